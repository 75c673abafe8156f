{
  "targets": [
    {
      "target_name": "pysample",
      "sources": ["addon.cc", "tracer.cc", "memory.cc", "walker.cc", "batch.cc", "reader.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-lrt"]
    }
  ]
}
