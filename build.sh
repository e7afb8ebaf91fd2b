#!/usr/bin/env bash
# NetGen's entry points. Each one installs what it needs on a fresh Debian machine with the .NET 10 SDK.
#   ./build.sh train [options]   train the seed network on Fashion-MNIST (the main job; --help lists options)
#   ./build.sh test              build everything, run the test suite, check the NativeAOT sample, the package and the speed guard
#   ./build.sh bench [filter]    BenchmarkDotNet suite (see benchmarks/)
#   ./build.sh peers [cnn]       side-by-side comparison with PyTorch and numpy (cnn: the convolutional network, alternating)
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Installs Debian packages that are missing; uses sudo when not root.
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing ${missing[*]} ..." >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

command=${1:-help}
[ $# -gt 0 ] && shift
case "$command" in
  train)
    apt_install dataset-fashion-mnist
    echo "Building ..." >&2
    out=$(dotnet build samples/NetGen.FashionMnist -c Release -nologo 2>&1) || { echo "$out" >&2; exit 1; }
    exec dotnet run --project samples/NetGen.FashionMnist -c Release --no-build -- "$@"
    ;;
  test)
    # python3-torch and python3-numpy: the PyTorch round-trip tests read and write safetensors with them.
    apt_install dataset-fashion-mnist python3-torch python3-numpy
    log=$(mktemp)
    status=0
    dotnet test NetGen.sln -c Release 2>&1 | tee "$log" || status=$?
    # A check beyond the xunit suite counts as one test: its output is shown, its verdict joins the summary.
    check() {
      local name=$1; shift
      if "$@" >"$log.check" 2>&1; then
        cat "$log.check"; echo "$name: Passed:     1" | tee -a "$log"
      else
        cat "$log.check"; echo "$name: Failed:     1" | tee -a "$log"; status=1
      fi
      rm -f "$log.check"
    }
    # The embedding sample, published with NativeAOT: no trim or AOT warnings, and the baked controller still plays.
    aot_sample() {
      dotnet publish samples/NetGen.Chaser -c Release -r linux-x64 -warnaserror -o artifacts/chaser-aot \
        && artifacts/chaser-aot/NetGen.Chaser play --check
    }
    check "NativeAOT sample" aot_sample
    # The package as a user gets it: packed into a local feed, then a fresh `dotnet new console` app with one
    # PackageReference and the README's quick start as its Program.cs, restored into a package folder of its own (so no
    # cached NetGen of an earlier build can stand in). Fails if the generator is missing from the package.
    package_consumer() {
      local dir status
      dir=$(mktemp -d)
      dotnet pack src/NetGen.Runtime -c Release -o "$dir/feed" -nologo -v q \
        && dotnet new console -o "$dir/app" -n QuickStart --no-restore >/dev/null \
        && sed -n '/<!-- quick-start:begin -->/,/<!-- quick-start:end -->/p' README.md | sed '1,2d;$d' | sed '$d' > "$dir/app/Program.cs" \
        && printf '%s\n' '<configuration>' \
             "  <packageSources><add key=\"netgen-local\" value=\"$dir/feed\" /></packageSources>" \
             '  <packageSourceMapping>' \
             '    <packageSource key="netgen-local"><package pattern="NetGen" /></packageSource>' \
             '    <packageSource key="nuget.org"><package pattern="*" /></packageSource>' \
             '  </packageSourceMapping>' '</configuration>' > "$dir/app/nuget.config" \
        && (cd "$dir/app" && export NUGET_PACKAGES="$dir/packages" \
            && dotnet add package NetGen --version 0.1.0 >/dev/null && dotnet run -c Release > "$dir/out.txt") \
        && cat "$dir/out.txt" && grep -q "XOR: 4/4 right" "$dir/out.txt"
      status=$?
      rm -rf "$dir"
      return $status
    }
    check "Package consumer (README quick start)" package_consumer
    # The portable kernels (Vector<T>), which machines without AVX-512 run and this one otherwise never does: the numeric
    # and training-step tests again with AVX-512 switched off (a test in the filter checks that it was).
    portable_filter='FullyQualifiedName~Gemm|FullyQualifiedName~Winograd|FullyQualifiedName~ConvolutionTests|FullyQualifiedName~VectorKernel|FullyQualifiedName~ReferenceAgreement|FullyQualifiedName~GradientCheck|FullyQualifiedName~ComposedNetwork|FullyQualifiedName~Dropout|FullyQualifiedName~TrainStep|FullyQualifiedName~LayerParallel|FullyQualifiedName~DataParallel|FullyQualifiedName~DoubleNetwork|FullyQualifiedName~BakedNetwork|FullyQualifiedName~FreezeTests'
    check "Portable kernels (AVX-512 off)" env DOTNET_EnableAVX512=0 dotnet test tests/NetGen.Tests -c Release --no-build --filter "$portable_filter"
    # The speed guard: generated training of the small network at least 1.5× composed, the median of the ratios timed in
    # three processes one after another.
    check "Speed guard" dotnet run --project benchmarks/NetGen.Benchmarks -c Release -- --guard
    # One plain summary line over all test assemblies: "N passed, N failed".
    passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
    failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
    rm -f "$log"
    echo "tests: $passed passed, $failed failed"
    exit $status
    ;;
  bench)
    dotnet run --project benchmarks/NetGen.Benchmarks -c Release -- --filter "${1:-*}" "${@:2}"
    ;;
  peers)
    apt_install dataset-fashion-mnist python3-numpy python3-torch libopenblas0-openmp
    exec bash benchmarks/peers/run.sh "$@"
    ;;
  *)
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    [ "$command" = help ] || { echo "unknown command '$command'" >&2; exit 2; }
    ;;
esac
