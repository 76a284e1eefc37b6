// fmt's compiled part (what libfmt.so holds), built once into libbloodbank.
//
// The static builds cannot link libfmt.so: it loads the shared libstdc++
// beside the one linked in. fmt's header-only mode avoided that, but it
// compiles fmt's formatting code again in every file that formats (about
// 60% of each file's compile time). So every file includes fmt as a library
// user would, and this one file gives the definitions: format-inl.h's
// functions, and the templates format.h declares `extern template`.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {
template auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template auto thousands_sep_impl<wchar_t>(locale_ref) -> thousands_sep_result<wchar_t>;
template auto decimal_point_impl(locale_ref) -> char;
template auto decimal_point_impl(locale_ref) -> wchar_t;
} // namespace detail
FMT_END_NAMESPACE
