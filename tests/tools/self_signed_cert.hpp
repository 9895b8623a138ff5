// A self-signed ECDSA P-256 certificate made in memory for test servers.
// days_valid below zero makes one that expired that many days ago.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <string>

namespace gtm::test {

void useSelfSignedCertificate(boost::asio::ssl::context& ctx, const std::string& common_name, int days_valid);

}  // namespace gtm::test
