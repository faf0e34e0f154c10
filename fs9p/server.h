// A 9P2000.L server: framing, version negotiation, flush and concurrency
// around a Handler that implements the file operations.
//
// One connection at a time, served by `workers` threads (the caller and
// workers-1 more) that take turns reading: the thread that reads a request
// handles it, and another reads on meanwhile, so a slow request does not
// hold up others and no request waits for a hand-off between threads.
// Tversion waits for requests in flight, then resets the Handler. Tflush is
// answered once the flushed request's reply has been sent (requests are
// never abandoned half-done). A frame larger than msize, an undecodable
// header, a reply-type message or a tag already in flight closes the
// connection; a request whose body does not decode gets Rlerror(EINVAL).
#ifndef FS9P_SERVER_H_
#define FS9P_SERVER_H_

#include <cstdint>

#include "absl/status/status.h"
#include "base/unique_fd.h"
#include "fs9p/messages.h"

namespace fs9p {

// What the Handler may know of the session it serves.
struct Session {
  uint32_t msize = 0;
  bool fd_donation = false;  // the client asked for kVersionFdDonation
};

class Handler {
 public:
  struct Reply {
    Message msg;          // an R-message, or Rlerror
    base::UniqueFd fd;    // for Rlopen/Rlcreate: the host FD to donate
  };
  virtual ~Handler() = default;
  // Answers one request; never Tversion or Tflush. Called concurrently from
  // several threads, also for the same fid.
  virtual Reply Handle(const Message& req, const Session& session) = 0;
  // The session ended or was renegotiated: forget every fid.
  virtual void Reset() = 0;
};

class Server {
 public:
  struct Options {
    uint32_t max_msize = 1 << 20;
    bool offer_fd_donation = true;
    // Threads serving the connection, the caller included; 0 or 1 handles
    // each request on the calling thread, in order.
    int workers = 4;
  };
  Server(Handler& handler, Options options) : handler_(handler), options_(options) {}

  // Serves `sock` until the client hangs up (OK) or violates the protocol
  // (the error says how). Returns with every worker stopped and the Handler
  // reset.
  absl::Status Serve(base::UniqueFd sock);

 private:
  Handler& handler_;
  const Options options_;
};

}  // namespace fs9p

#endif  // FS9P_SERVER_H_
