#include "outputs/stream_writer.h"

#include <cerrno>
#include <cstring>

namespace wsyaml::outputs {

StreamWriter::~StreamWriter() {
  std::string ignored;
  Close(&ignored);
}

bool StreamWriter::Open(const std::string& path, std::string* error) {
  path_ = path;
  if (path == "-") {
    file_ = stdout;
  } else {
    file_ = std::fopen(path.c_str(), "w");
    if (!file_) {
      *error = "cannot open " + path + ": " + std::strerror(errno);
      return false;
    }
    owned_ = true;
  }
  thread_ = std::thread([this] { Run(); });
  return true;
}

bool StreamWriter::Write(std::string chunk) {
  if (chunk.empty()) return true;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queued_bytes_ + chunk.size() > max_queued_bytes_) {
      ++dropped_;
      return false;
    }
    queued_bytes_ += chunk.size();
    queue_.push_back(std::move(chunk));
  }
  wake_.notify_one();
  return true;
}

void StreamWriter::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return closing_ || !queue_.empty(); });
    if (queue_.empty()) return;  // closing, and everything is written
    std::string chunk = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    bool ok = std::fwrite(chunk.data(), 1, chunk.size(), file_) == chunk.size() &&
              std::fflush(file_) == 0;
    if (!ok && write_error_.empty())
      write_error_ = "cannot write " + path_ + ": " + std::strerror(errno);
    lock.lock();
    queued_bytes_ -= chunk.size();
    if (queued_bytes_ == 0) drained_.notify_all();
  }
}

void StreamWriter::Drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!thread_.joinable()) return;
  drained_.wait(lock, [this] { return queued_bytes_ == 0; });
}

bool StreamWriter::Close(std::string* error) {
  if (!thread_.joinable()) return true;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
  }
  wake_.notify_one();
  thread_.join();
  bool ok = write_error_.empty();
  if (owned_ && std::fclose(file_) != 0 && ok) {
    write_error_ = "cannot write " + path_ + ": " + std::strerror(errno);
    ok = false;
  }
  file_ = nullptr;
  if (!ok) *error = write_error_;
  if (ok && dropped_ > 0) {
    *error = path_ + ": " + std::to_string(dropped_) +
             " seconds of points were dropped because the disk could not keep up";
    ok = false;
  }
  return ok;
}

bool StreamSink::Open(const RunInfo& info, std::string* error) {
  if (!writer_.Open(path_, error)) return false;
  std::string header = Header(info);
  if (!header.empty()) writer_.Write(std::move(header));
  return true;
}

void StreamSink::OnSnapshot(const Snapshot& snapshot) {
  writer_.Write(Format(snapshot));
  if (snapshot.final) writer_.Drain();
}

bool StreamSink::Finish(const Final& final, std::string* error) {
  (void) final;
  return writer_.Close(error);
}

}  // namespace wsyaml::outputs
