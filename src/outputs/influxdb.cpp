#include "outputs/influxdb.h"

#include <algorithm>
#include <utility>

#include "outputs/influxdb_lines.h"

namespace wsyaml::outputs {
namespace {

// An InfluxQL identifier in double quotes.
std::string QuoteIdentifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

// "HTTP 404: {"error":"database not found: \"x\""}", the body cut to one short line.
std::string StatusError(const HttpResponse& response) {
  std::string body = response.body.substr(0, 200);
  std::replace(body.begin(), body.end(), '\n', ' ');
  while (!body.empty() && body.back() == ' ') body.pop_back();
  return "HTTP " + std::to_string(response.status) + (body.empty() ? "" : ": " + body);
}

}  // namespace

bool ParseInfluxUrl(const std::string& text, InfluxTarget* out, std::string* error) {
  std::string url_error;
  if (!ParseHttpUrl(text, &out->url, &url_error)) {
    *error = "--out influxdb: " + url_error;
    return false;
  }
  const std::string& path = out->url.path;
  out->database = path.empty() ? "" : path.substr(1);
  if (out->database.empty() || out->database.find_first_of("/?#") != std::string::npos) {
    *error = "--out influxdb: expected http://HOST:PORT/DATABASE, got '" + text + "'";
    return false;
  }
  return true;
}

InfluxDbSink::InfluxDbSink(InfluxTarget target, std::ostream* report, Options options)
    : target_(std::move(target)), report_(report), options_(options) {}

InfluxDbSink::~InfluxDbSink() {
  if (writer_.joinable()) Stop(Clock::now());
}

bool InfluxDbSink::Open(const RunInfo& info, std::string* error) {
  (void)info;
  (void)error;
  writer_ = std::thread([this] { Run(); });
  return true;
}

void InfluxDbSink::OnSnapshot(const Snapshot& snapshot) {
  // Points of two snapshots on one millisecond would overwrite each other in InfluxDB.
  last_timestamp_ms_ = std::max(snapshot.unix_ms, last_timestamp_ms_ + 1);
  std::vector<std::string> lines = FormatInfluxLines(snapshot, last_timestamp_ms_);
  Batch batch;
  for (const std::string& line : lines) {
    batch.lines += line;
    batch.lines += '\n';
    if (++batch.points == options_.points_per_write) Enqueue(std::exchange(batch, Batch()));
  }
  if (batch.points) Enqueue(std::move(batch));
}

void InfluxDbSink::Enqueue(Batch batch) {
  std::lock_guard<std::mutex> lock(mutex_);
  counts_.points += batch.points;
  queued_points_ += batch.points;
  queue_.push_back(std::move(batch));
  // Full: the oldest points go first, so that a live view keeps the present.
  while (queued_points_ > options_.max_queued_points && !queue_.empty()) {
    counts_.dropped += queue_.front().points;
    queued_points_ -= queue_.front().points;
    queue_.pop_front();
    if (counts_.error.empty()) counts_.error = "the queue was full";
  }
  wake_.notify_one();
}

InfluxDbSink::Clock::time_point InfluxDbSink::RequestDeadline() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::min(Clock::now() + options_.request_timeout, stop_deadline_);
}

void InfluxDbSink::CreateDatabase(HttpClient* client) {
  HttpResponse response;
  std::string error;
  std::string body = "q=" + UrlEncode("CREATE DATABASE " + QuoteIdentifier(target_.database));
  bool ok = client->Post("/query", "application/x-www-form-urlencoded", body, RequestDeadline(),
                         &response, &error);
  if (ok && response.status != 200) error = StatusError(response);
  if (ok && response.status == 200) return;
  std::lock_guard<std::mutex> lock(mutex_);
  counts_.error = "CREATE DATABASE: " + error;
}

bool InfluxDbSink::Take(Batch* out) {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait(lock, [this] { return !queue_.empty() || stopping_; });
  if (queue_.empty() || Clock::now() >= stop_deadline_) return false;
  *out = std::move(queue_.front());
  queue_.pop_front();
  while (!queue_.empty() && out->points + queue_.front().points <= options_.points_per_write) {
    out->lines += queue_.front().lines;
    out->points += queue_.front().points;
    queue_.pop_front();
  }
  queued_points_ -= out->points;
  return true;
}

void InfluxDbSink::Run() {
  HttpClient client(target_.url.host, target_.url.port);
  CreateDatabase(&client);
  const std::string target = "/write?db=" + UrlEncode(target_.database) + "&precision=ms";
  Batch batch;
  while (Take(&batch)) {
    HttpResponse response;
    std::string error;
    bool ok = client.Post(target, "text/plain; charset=utf-8", batch.lines, RequestDeadline(),
                          &response, &error);
    if (ok && response.status != 204) {
      ok = false;
      error = StatusError(response);
    }
    std::unique_lock<std::mutex> lock(mutex_);
    if (ok) {
      counts_.written += batch.points;
      continue;
    }
    counts_.dropped += batch.points;
    counts_.error = error;
    // A failing backend is not hammered; at the end, the flush goes on without pauses.
    wake_.wait_for(lock, options_.retry_pause, [this] { return stopping_; });
  }
}

void InfluxDbSink::Stop(Clock::time_point deadline) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    stop_deadline_ = deadline;
  }
  wake_.notify_all();
  writer_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  counts_.dropped += queued_points_;
  if (queued_points_ && counts_.error.empty()) counts_.error = "flush deadline passed";
  queued_points_ = 0;
  queue_.clear();
}

bool InfluxDbSink::Finish(const Final& final, std::string* error) {
  (void) final;
  (void)error;
  if (writer_.joinable()) Stop(Clock::now() + options_.flush_deadline);
  Counts c = counts();
  *report_ << "influxdb: " << c.written << " of " << c.points << " points written to "
           << target_.database;
  if (c.dropped) *report_ << ", " << c.dropped << " dropped";
  if (!c.error.empty()) *report_ << ": " << c.error;
  *report_ << "\n";
  report_->flush();
  return true;
}

InfluxDbSink::Counts InfluxDbSink::counts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

}  // namespace wsyaml::outputs
