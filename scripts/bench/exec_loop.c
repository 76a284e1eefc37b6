/*
 * The baseline of `bb-consume --exec CMD`: a plain fork/exec loop that runs
 * CMD N times, one after the other (fork, execvp in the child, waitpid in the
 * parent), CMD reading the loop's stdin. What a shell `for` loop would do minus
 * the shell.
 *
 *   exec_loop N CMD [ARG...]
 *
 * Exits 1 if a fork fails or a run of CMD does not exit with status 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: exec_loop N CMD [ARG...]\n");
        return 64;
    }
    long n = atol(argv[1]);
    for (long i = 0; i < n; ++i) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("exec_loop: fork");
            return 1;
        }
        if (pid == 0) {
            execvp(argv[2], argv + 2);
            _exit(127);
        }
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "exec_loop: %s failed\n", argv[2]);
            return 1;
        }
    }
    return 0;
}
