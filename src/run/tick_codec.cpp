#include "run/tick_codec.h"

#include <cstring>
#include <utility>

namespace wsyaml::run {
namespace {

// A tick's bytes: native layout, for the parent, which runs the same binary on the same host.
class Writer {
 public:
  template <typename T>
  void Put(T value) {
    out_.append(reinterpret_cast<const char*>(&value), sizeof value);
  }
  void Put(const std::string& text) {
    Put(static_cast<uint32_t>(text.size()));
    out_ += text;
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  Reader(const std::string& in, size_t at) : in_(in), at_(at) {}
  template <typename T>
  bool Get(T* value) {
    if (in_.size() - at_ < sizeof *value) return false;
    std::memcpy(value, in_.data() + at_, sizeof *value);
    at_ += sizeof *value;
    return true;
  }
  bool Get(std::string* text) {
    uint32_t size = 0;
    if (!Get(&size) || in_.size() - at_ < size) return false;
    text->assign(in_, at_, size);
    at_ += size;
    return true;
  }
  bool AtEnd() const { return at_ == in_.size(); }

 private:
  const std::string& in_;
  size_t at_;
};

void PutSeries(Writer& w, metrics::MetricId id, uint32_t tags, const metrics::Series& s) {
  w.Put(static_cast<uint16_t>(id));
  w.Put(tags);
  w.Put(s.count);
  w.Put(s.sum);
  w.Put(s.gauge);
  w.Put(s.gauge_max);
  const std::vector<metrics::Histogram::Bucket> buckets = s.histogram.Buckets();
  w.Put(static_cast<uint32_t>(buckets.size()));
  if (buckets.empty()) return;
  w.Put(s.histogram.Min());
  w.Put(s.histogram.Max());
  w.Put(s.histogram.Sum());
  for (const auto& b : buckets) {
    w.Put(b.low);
    w.Put(b.count);
  }
}

bool GetSeries(Reader& r, const std::vector<uint32_t>& ids, metrics::Shard* out) {
  uint16_t id = 0;
  uint32_t tags = 0, buckets = 0;
  metrics::Series s;
  if (!r.Get(&id) || !r.Get(&tags) || !r.Get(&s.count) || !r.Get(&s.sum) || !r.Get(&s.gauge) ||
      !r.Get(&s.gauge_max) || !r.Get(&buckets))
    return false;
  if (id >= static_cast<uint16_t>(metrics::MetricId::kCount) || tags >= ids.size()) return false;
  if (buckets > 0) {
    uint64_t min = 0, max = 0;
    double sum = 0;
    if (buckets > metrics::Histogram::kBucketCount || !r.Get(&min) || !r.Get(&max) || !r.Get(&sum))
      return false;
    std::vector<metrics::Histogram::Bucket> parts(buckets);
    for (auto& b : parts)
      if (!r.Get(&b.low) || !r.Get(&b.count)) return false;
    if (!metrics::Histogram::FromBuckets(parts, min, max, sum, &s.histogram)) return false;
  }
  // Moved in, not merged: one histogram's memory per series, not two (a tick with 1,000 trend
  // series is mostly the zeroing of their buckets).
  metrics::Series* into = out->Resolve(static_cast<metrics::MetricId>(id), ids[tags]);
  if (into->count != 0) return false;  // the same series twice
  *into = std::move(s);
  return true;
}

// The worker's tag sets in its id order, interned into `tags`: (*ids)[worker id] = id there.
bool GetTagSets(Reader& r, metrics::TagRegistry* tags, std::vector<uint32_t>* ids) {
  uint32_t tag_sets = 0;
  if (!r.Get(&tag_sets)) return false;
  for (uint32_t id = 0; id < tag_sets; ++id) {
    uint32_t pairs = 0;
    if (!r.Get(&pairs)) return false;
    std::vector<std::pair<std::string, std::string>> set;
    for (uint32_t i = 0; i < pairs; ++i) {
      std::string key, value;
      if (!r.Get(&key) || !r.Get(&value)) return false;
      set.emplace_back(std::move(key), std::move(value));
    }
    ids->push_back(tags->Intern(std::move(set)));
  }
  return true;
}

}  // namespace

std::string EncodeTick(double elapsed_s, int64_t start_unix_ms, const metrics::Shard& shard,
                       const metrics::TagRegistry& registry, char kind) {
  Writer w;
  w.Put(kind);
  w.Put(start_unix_ms);
  w.Put(elapsed_s);
  // Every tag set of the registry, in id order: the reader maps ids by position.
  const uint32_t tag_sets = static_cast<uint32_t>(registry.Size());
  w.Put(tag_sets);
  for (uint32_t id = 0; id < tag_sets; ++id) {
    const auto tags = registry.Tags(id);
    w.Put(static_cast<uint32_t>(tags.size()));
    for (const auto& [key, value] : tags) {
      w.Put(key);
      w.Put(value);
    }
  }
  w.Put(static_cast<uint32_t>(shard.series().size()));
  for (const auto& [key, series] : shard.series()) PutSeries(w, key.first, key.second, series);
  w.Put(static_cast<uint32_t>(shard.checks().size()));
  for (const auto& [name, c] : shard.checks()) {
    w.Put(name);
    w.Put(c.passes);
    w.Put(c.fails);
    w.Put(c.last_failure);
  }
  w.Put(static_cast<uint32_t>(shard.errors().size()));
  for (const auto& [kind, e] : shard.errors()) {
    w.Put(kind);
    w.Put(e.count);
    w.Put(e.example);
  }
  return std::move(w.out());
}

bool DecodeTick(const std::string& message, size_t at, metrics::TagRegistry* tags, Tick* out) {
  Reader r(message, at);
  std::vector<uint32_t> ids;
  uint32_t count = 0;
  if (!r.Get(&out->start_unix_ms) || !r.Get(&out->elapsed_s) || !GetTagSets(r, tags, &ids) ||
      !r.Get(&count))
    return false;
  for (uint32_t i = 0; i < count; ++i)
    if (!GetSeries(r, ids, &out->shard)) return false;
  if (!r.Get(&count)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    std::string name;
    metrics::CheckCounts c;
    if (!r.Get(&name) || !r.Get(&c.passes) || !r.Get(&c.fails) || !r.Get(&c.last_failure))
      return false;
    out->shard.MergeCheck(name, c);
  }
  if (!r.Get(&count)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    std::string kind;
    metrics::ErrorCounts e;
    if (!r.Get(&kind) || !r.Get(&e.count) || !r.Get(&e.example)) return false;
    out->shard.MergeError(kind, e);
  }
  return r.AtEnd();
}

}  // namespace wsyaml::run
