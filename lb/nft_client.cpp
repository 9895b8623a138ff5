#include "lb/nft_client.hpp"

#include <nftables/libnftables.h>

namespace gtm::lb {

NftClient::NftClient() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT)) {
  nft_ctx_buffer_output(ctx_);
  nft_ctx_buffer_error(ctx_);
}

NftClient::~NftClient() { nft_ctx_free(ctx_); }

Result<Ok> NftClient::run(const std::string& script) {
  if (nft_run_cmd_from_buffer(ctx_, script.c_str()) != 0) {
    std::string error = nft_ctx_get_error_buffer(ctx_);
    while (!error.empty() && error.back() == '\n') error.pop_back();
    return Error{"nftables refused the ruleset: " + error};
  }
  return Ok{};
}

}  // namespace gtm::lb
