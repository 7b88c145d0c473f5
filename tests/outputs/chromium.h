// Test support: open a local HTML file in headless Chromium (Debian `chromium`): the DOM after
// its scripts ran, and a screenshot. Used by the report's unit and end-to-end tests.
#pragma once

#include <unistd.h>

#include <regex>
#include <string>

#include "metrics/test_util.h"

namespace wsyaml::testing {

/// Where Debian installs Chromium; tests skip loudly without it.
inline constexpr const char* kChromium = "/usr/bin/chromium";

/// True when Chromium can be run.
inline bool HaveChromium() { return access(kChromium, X_OK) == 0; }

/// The command line start: headless, no network services, a profile in `dir`.
inline std::string ChromiumCommand(const std::string& dir) {
  return "timeout 60 " + std::string(kChromium) +
         " --headless --no-sandbox --disable-gpu --disable-background-networking"
         " --disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage"
         " --hide-scrollbars --user-data-dir=" +
         dir + "/profile";
}

/// The DOM of `html_file` after its scripts ran; *status is Chromium's exit status.
inline std::string ChromiumDom(const std::string& dir, const std::string& html_file, int* status) {
  return metrics::testutil::Run(
      ChromiumCommand(dir) + " --dump-dom file://" + html_file + " 2>/dev/null", status);
}

/// Screenshots `html_file` into `png` at 1400 x `height` pixels; the exit status.
inline int ChromiumScreenshot(const std::string& dir, const std::string& html_file,
                              const std::string& png, int height = 3000) {
  int status = 0;
  metrics::testutil::Run(ChromiumCommand(dir) + " --window-size=1400," + std::to_string(height) +
                             " --screenshot=" + png + " file://" + html_file + " >/dev/null 2>&1",
                         &status);
  return status;
}

/// `html` with a script that moves the pointer over the middle of the first time chart and
/// copies the tooltip's text into the body's data-tip attribute (read from the dumped DOM).
inline std::string WithHoverProbe(std::string html) {
  const std::string probe = R"(<script>(function(){
  var svg=document.querySelector('svg.chart[data-xs]');if(!svg)return;
  var box=svg.getBoundingClientRect();
  svg.dispatchEvent(new MouseEvent('mousemove',{bubbles:true,clientX:box.left+box.width*0.6,
                                                clientY:box.top+box.height/2}));
  var tip=document.querySelector('.tip');
  document.body.setAttribute('data-tip',tip&&tip.style.display==='block'?tip.textContent:'');
})();</script>)";
  size_t at = html.rfind("</body>");
  return at == std::string::npos ? html : html.insert(at, probe);
}

/// The value of the body attribute `name` in a dumped DOM ("" when absent).
inline std::string BodyAttribute(const std::string& dom, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(dom, m, std::regex(name + "=\"([^\"]*)\""))) return "";
  return m[1];
}

}  // namespace wsyaml::testing
