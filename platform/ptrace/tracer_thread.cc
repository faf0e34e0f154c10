// tracer_thread.cc: a job queue served by one host thread.
#include "platform/ptrace/tracer_thread.h"

#include <sys/wait.h>

#include <algorithm>
#include <chrono>

namespace platform::ptrace {

TracerThread::TracerThread() {
  thread_ = std::thread([this] { Loop(); });
}

TracerThread::~TracerThread() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

void TracerThread::Run(absl::FunctionRef<void()> fn) {
  if (std::this_thread::get_id() == thread_.get_id()) {
    fn();
    return;
  }
  Job job{fn};
  absl::MutexLock lock(&mu_);
  jobs_.push_back(&job);
  mu_.Await(absl::Condition(&job.done));
}

void TracerThread::AddZombie(pid_t pid) { zombies_.push_back(pid); }

void TracerThread::ReapZombies() {
  auto dead = [](pid_t pid) {
    int status;
    pid_t got = waitpid(pid, &status, __WALL | WNOHANG);
    return got == pid || got < 0;
  };
  zombies_.erase(std::remove_if(zombies_.begin(), zombies_.end(), dead),
                 zombies_.end());
}

void TracerThread::Loop() {
  for (;;) {
    Job* job;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stop_ || !jobs_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (jobs_.empty()) break;  // stop_ and nothing left to do
      job = jobs_.front();
      jobs_.pop_front();
    }
    job->fn();
    ReapZombies();
    absl::MutexLock lock(&mu_);
    job->done = true;
  }
  // Stubs killed just now take a moment to die; wait a little for them. A
  // leader whose threads are still traced elsewhere cannot be reaped yet.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  for (ReapZombies(); !zombies_.empty() && std::chrono::steady_clock::now() < deadline;
       ReapZombies()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace platform::ptrace
