/*
 * The baselines of `bb-consume --exec CMD`: a plain loop that runs CMD N
 * times, one after the other, CMD reading the loop's stdin. What a shell
 * `for` loop would do minus the shell.
 *
 *   exec_loop fork  N CMD [ARG...]   fork, execvp in the child, waitpid
 *   exec_loop spawn N CMD [ARG...]   posix_spawnp, waitpid (glibc's spawn
 *                                    shares the parent's memory until the
 *                                    exec, as bb-consume's does, so it
 *                                    copies no page tables)
 *
 * Exits 1 if a process cannot be started or a run of CMD does not exit with
 * status 0.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

static pid_t start_forked(char** argv) {
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static pid_t start_spawned(char** argv) {
    pid_t pid;
    return posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) == 0 ? pid : -1;
}

int main(int argc, char** argv) {
    if (argc < 4 || (strcmp(argv[1], "fork") != 0 && strcmp(argv[1], "spawn") != 0)) {
        fprintf(stderr, "usage: exec_loop fork|spawn N CMD [ARG...]\n");
        return 64;
    }
    pid_t (*start)(char**) = strcmp(argv[1], "fork") == 0 ? start_forked : start_spawned;
    long n = atol(argv[2]);
    for (long i = 0; i < n; ++i) {
        pid_t pid = start(argv + 3);
        if (pid < 0) {
            perror("exec_loop: cannot start the command");
            return 1;
        }
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "exec_loop: %s failed\n", argv[3]);
            return 1;
        }
    }
    return 0;
}
