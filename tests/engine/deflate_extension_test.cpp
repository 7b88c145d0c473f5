#include "engine/deflate_extension.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wsyaml::engine {
namespace {

const std::string kTail("\x00\x00\xff\xff", 4);

std::string Bytes(std::vector<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

// What goes on the wire for `text`: the compressed message without its 00 00 ff ff tail.
std::string Wire(PerMessageDeflate& deflate, const std::string& text) {
  std::string out;
  EXPECT_TRUE(deflate.Compress(text, &out));
  EXPECT_GE(out.size(), 4u);
  EXPECT_EQ(out.substr(out.size() - 4), kTail);
  return out.substr(0, out.size() - 4);
}

// The message a receiver gets from `wire`, fed in `chunk`-byte pieces, then the tail.
std::string Receive(PerMessageDeflate& deflate, const std::string& wire, size_t chunk = 1 << 20) {
  std::string out;
  for (size_t at = 0; at < wire.size(); at += chunk) {
    size_t n = std::min(chunk, wire.size() - at);
    EXPECT_TRUE(deflate.Inflate(reinterpret_cast<const uint8_t*>(wire.data() + at), n, &out));
  }
  EXPECT_TRUE(deflate.Inflate(reinterpret_cast<const uint8_t*>(kTail.data()), 4, &out));
  return out;
}

// RFC 7692 section 7.2.3.1 and 7.2.3.2: "Hello" twice, the second referring to the first.
TEST(PerMessageDeflateTest, CompressesAsTheRfcExamples) {
  PerMessageDeflate deflate;
  EXPECT_EQ(Wire(deflate, "Hello"), Bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}));
  EXPECT_EQ(Wire(deflate, "Hello"), Bytes({0xf2, 0x00, 0x11, 0x00, 0x00}));
}

TEST(PerMessageDeflateTest, InflatesTheRfcExamples) {
  PerMessageDeflate deflate;
  EXPECT_EQ(Receive(deflate, Bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})), "Hello");
  EXPECT_EQ(Receive(deflate, Bytes({0xf2, 0x00, 0x11, 0x00, 0x00})), "Hello");  // 7.2.3.2
  // 7.2.3.3: a stored block; 7.2.3.5: two blocks, the first ending in a sync flush.
  EXPECT_EQ(
      Receive(deflate, Bytes({0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00})),
      "Hello");
  EXPECT_EQ(Receive(deflate, Bytes({0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9,
                                    0xc9, 0x07, 0x00})),
            "Hello");
}

// 7.2.3.4: a block with BFINAL set ends the stream; the next message starts a new one.
TEST(PerMessageDeflateTest, InflatesAfterAFinalBlock) {
  PerMessageDeflate deflate;
  EXPECT_EQ(Receive(deflate, Bytes({0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})), "Hello");
  EXPECT_EQ(Receive(deflate, Bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})), "Hello");
}

TEST(PerMessageDeflateTest, NoContextTakeoverCompressesEachMessageAlone) {
  PerMessageDeflate deflate;
  std::string error;
  ASSERT_TRUE(deflate.Accept("client_no_context_takeover", "", &error));
  EXPECT_EQ(Wire(deflate, "Hello"), Bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}));
  EXPECT_EQ(Wire(deflate, "Hello"), Bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}));
}

TEST(PerMessageDeflateTest, RoundTripsLargeAndEmptyMessagesInPieces) {
  PerMessageDeflate sender;
  PerMessageDeflate receiver;
  std::string big;
  for (int i = 0; big.size() < 200000; ++i) big += "{\"seq\":" + std::to_string(i * 7919) + "},";
  for (int round = 0; round < 3; ++round) {
    std::string wire = Wire(sender, big);
    EXPECT_LT(wire.size(), big.size() / 2);
    EXPECT_EQ(Receive(receiver, wire, 1000), big);
  }
  EXPECT_EQ(Receive(receiver, Wire(sender, "")), "");
}

TEST(PerMessageDeflateTest, SmallClientWindowsStillRoundTrip) {
  for (const char* bits : {"8", "9", "12"}) {
    PerMessageDeflate sender;
    std::string error;
    ASSERT_TRUE(sender.Accept("client_max_window_bits", bits, &error)) << error;
    PerMessageDeflate receiver;
    std::string text(3000, 'a');
    EXPECT_EQ(Receive(receiver, Wire(sender, text)), text) << bits;
  }
}

TEST(PerMessageDeflateTest, AcceptsTheServersParameters) {
  PerMessageDeflate deflate;
  std::string error;
  EXPECT_TRUE(deflate.Accept("server_no_context_takeover", "", &error));
  EXPECT_TRUE(deflate.Accept("server_max_window_bits", "10", &error));
  EXPECT_TRUE(deflate.Accept("client_max_window_bits", "15", &error));
  EXPECT_TRUE(deflate.params().server_no_context_takeover);
  EXPECT_FALSE(deflate.params().client_no_context_takeover);
  EXPECT_EQ(deflate.params().server_max_window_bits, 10);
  EXPECT_EQ(deflate.params().client_max_window_bits, 15);
}

TEST(PerMessageDeflateTest, RefusesInvalidAnswers) {
  struct Case {
    const char* name;
    const char* value;
    const char* error;
  };
  for (const Case& c : {Case{"client_max_window_bits", "", "must be 8 to 15"},
                        Case{"server_max_window_bits", "16", "must be 8 to 15"},
                        Case{"server_max_window_bits", "7", "must be 8 to 15"},
                        Case{"server_no_context_takeover", "1", "takes no value"},
                        Case{"x_window", "", "unknown permessage-deflate parameter 'x_window'"}}) {
    PerMessageDeflate deflate;
    std::string error;
    EXPECT_FALSE(deflate.Accept(c.name, c.value, &error)) << c.name;
    EXPECT_NE(error.find(c.error), std::string::npos) << error;
  }
}

TEST(PerMessageDeflateTest, CorruptDataFails) {
  PerMessageDeflate deflate;
  std::string out;
  std::string junk = Bytes({0xff, 0xff, 0xff, 0xff, 0xff});
  EXPECT_FALSE(deflate.Inflate(reinterpret_cast<const uint8_t*>(junk.data()), junk.size(), &out));
}

// Idle connections hold nothing: zlib's memory comes with the first message each way.
TEST(PerMessageDeflateTest, AllocatesOnFirstUse) {
  PerMessageDeflate deflate;
  EXPECT_EQ(deflate.AllocatedBytes(), 0u);
  EXPECT_EQ(Receive(deflate, Bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})), "Hello");
  size_t inflating = deflate.AllocatedBytes();
  EXPECT_GT(inflating, 32u * 1024);  // the 32 KB window and the state
  EXPECT_LT(inflating, 48u * 1024);
  Wire(deflate, "Hello");
  EXPECT_GT(deflate.AllocatedBytes(), inflating + 128 * 1024);
}

}  // namespace
}  // namespace wsyaml::engine
