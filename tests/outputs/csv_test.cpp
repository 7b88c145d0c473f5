// k6's CSV: its header, tags in their columns or extra_tags, quoting, the aggregation in
// metadata, written by a writer thread that drops rather than waits.
#include "outputs/csv.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>

namespace wsyaml::outputs {
namespace {

using metrics::MetricId;

TEST(CsvTest, HeaderIsK6s) {
  EXPECT_EQ(CsvHeader(),
            "metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,"
            "method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,"
            "metadata\n");
}

TEST(CsvTest, TagsGoToTheirColumnsOrExtraTags) {
  K6Point point;
  point.id = MetricId::kWsErrors;
  point.tags = {{"kind", "timeout"}, {"name", "a,b"}, {"region", "eu"}, {"scenario", "default"}};
  point.value = 2;
  point.count = 2;
  EXPECT_EQ(FormatCsvRow(point, 1'700'000'000'999),
            "ws_errors,1700000000,2.000000,,,,,,,\"a,b\",,default,,,,,,kind=timeout&region=eu,"
            "count=2\n");
  point.id = MetricId::kChecks;
  point.tags = {{"check", "said \"hi\""}};
  point.value = 0;
  point.count = 1;
  EXPECT_EQ(FormatCsvRow(point, 0),
            "checks,0,0.000000,\"said \"\"hi\"\"\",,,,,,,,,,,,,,,count=1\n");
}

TEST(CsvTest, TrendStatisticsGoToMetadata) {
  K6Point point;
  point.id = MetricId::kWsReplyTime;
  point.value = 1.5;
  point.count = 2;
  point.has_trend = true;
  point.trend = {3, 1, 2, 2, 2};
  std::string row = FormatCsvRow(point, 0);
  EXPECT_EQ(row.substr(0, 24), "ws_reply_time,0,1.500000");
  EXPECT_NE(row.find(",count=2&sum=3&min=1&max=2&p(95)=2&p(99)=2\n"), std::string::npos) << row;
}

TEST(StreamWriterTest, WritesInOrderAndDropsWhatDoesNotFit) {
  std::string dir = "/tmp/wsyaml-csv-XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  StreamWriter writer(16);
  std::string error;
  ASSERT_TRUE(writer.Open(dir + "/s.csv", &error)) << error;
  EXPECT_TRUE(writer.Write("a\n"));
  EXPECT_FALSE(writer.Write(std::string(17, 'x')));  // larger than the whole queue
  EXPECT_TRUE(writer.Write("b\n"));
  writer.Drain();  // on the file now, before Close
  std::ifstream before(dir + "/s.csv");
  std::string first, second;
  EXPECT_TRUE(std::getline(before, first) && std::getline(before, second));
  EXPECT_EQ(first + second, "ab");
  EXPECT_FALSE(writer.Close(&error));
  EXPECT_NE(error.find("1 seconds of points were dropped"), std::string::npos) << error;
  std::ifstream in(dir + "/s.csv");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "a\nb\n");
}

}  // namespace
}  // namespace wsyaml::outputs
