// Private to tls/: whether a host is written as an IP address, which is
// checked against a certificate differently and never sent as SNI.
#pragma once

#include <string>

namespace bb::tls_detail {

bool is_ip_address(const std::string& host);

} // namespace bb::tls_detail
