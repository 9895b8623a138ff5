// Runs nft scripts through libnftables, in one transaction each.
#pragma once

#include <string>

#include "common/result.hpp"

struct nft_ctx;

namespace gtm::lb {

class NftClient {
 public:
  NftClient();
  ~NftClient();
  NftClient(const NftClient&) = delete;
  NftClient& operator=(const NftClient&) = delete;

  // Applies the script; on failure nothing of it is applied and the error
  // says why (nft's own message).
  [[nodiscard]] Result<Ok> run(const std::string& script);

 private:
  nft_ctx* ctx_;
};

}  // namespace gtm::lb
