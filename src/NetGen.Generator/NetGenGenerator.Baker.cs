using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using NetGen.Generator.Baking;
using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class NetGenGenerator
{
    /// <summary>
    /// Resolves <c>[BakedWeights]</c>: finds the named safetensors file among the project's <c>AdditionalFiles</c>,
    /// validates it against the parsed network, and attaches the values to the model (or turns the network into diagnostics).
    /// </summary>
    internal static class Baker
    {
        /// <summary>Largest file read at all; anything larger is reported before it is read.</summary>
        private const long MaxFileBytes = 8 + (16L << 20) + 8 * DiagnosticDescriptors.MaxBakedParameterCount; // F64 at most

        /// <summary>Reads one safetensors additional file. Never throws; an I/O failure becomes the entry's error.</summary>
        /// <remarks>
        /// This is the one place the generator touches the file system, and why: safetensors is binary, and
        /// <c>AdditionalText.GetText()</c> decodes text and refuses binary content (CS2015). The step still runs off
        /// <c>AdditionalTextsProvider</c>, so adding, removing or changing the item re-runs it, and its result is the bytes
        /// themselves, so an unchanged file leaves everything after it cached.
        /// </remarks>
#pragma warning disable RS1035 // File IO is banned in analyzers; see the remarks: AdditionalText cannot carry binary data.
        public static AdditionalFileContent ReadFile(string path, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                var info = new FileInfo(path);
                if (!info.Exists) return new AdditionalFileContent(path, EquatableArray<byte>.Empty, "the file does not exist");
                if (info.Length > MaxFileBytes)
                    return new AdditionalFileContent(path, EquatableArray<byte>.Empty, "it is " + info.Length + " bytes long, more than the " + MaxFileBytes + " a baked network may take");
                return new AdditionalFileContent(path, File.ReadAllBytes(path).ToImmutableArray().AsEquatable(), null);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException or NotSupportedException or ArgumentException)
            {
                return new AdditionalFileContent(path, EquatableArray<byte>.Empty, e.Message);
            }
        }
#pragma warning restore RS1035

        /// <summary>Attaches baked weights to a parsed network, or replaces the network by the reason they cannot be baked.</summary>
        public static ParseResult Bind(ParseResult result, ImmutableArray<AdditionalFileContent> files, CancellationToken ct)
        {
            if (result.Baked is not BakedWeightsRequest request || result.Network is not NetworkSpec network) return result;
            ct.ThrowIfCancellationRequested();

            // The network becomes a diagnostic at the path argument; the first message argument is always the type.
            ParseResult Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, params string[] arguments)
                => new(null, result.Diagnostics.Append(new DiagnosticInfo(descriptor.Id, request.Location,
                    new[] { network.TypeName }.Concat(arguments).ToEquatableArray())).ToEquatableArray(), request);
            ParseResult Fail(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, params string[] arguments)
                => Report(descriptor, new[] { request.Path }.Concat(arguments).ToArray());

            if (network.ParameterCount > DiagnosticDescriptors.MaxBakedParameterCount)
                return Report(DiagnosticDescriptors.BakedNetworkTooLarge, Emitting.Literal.Int(network.ParameterCount), Emitting.Literal.Int(DiagnosticDescriptors.MaxBakedParameterCount));

            AdditionalFileContent? file = Find(request.Path, files);
            if (file is null)
            {
                string known = files.IsDefaultOrEmpty ? " (the project has no .safetensors AdditionalFiles)"
                    : " (found: " + string.Join(", ", files.Select(f => Path.GetFileName(f.Path)).OrderBy(n => n, StringComparer.Ordinal)) + ")";
                return Fail(DiagnosticDescriptors.BakedWeightsFileNotFound, known);
            }
            if (file.Error is string error) return Fail(DiagnosticDescriptors.BakedWeightsFileInvalid, error);

            double[]? values = SafeTensorsFile.Read(file.Bytes.ToArray(), network, network.ParameterCount, network.Element, out BakeError? problem);
            if (values is null) return Fail(problem!.Descriptor, problem.Arguments);

            var baked = new BakedWeights(request.Path, request.InferenceOnly, values.ToImmutableArray().AsEquatable());
            return new ParseResult(network with { Baked = baked }, result.Diagnostics, request);
        }

        /// <summary>The additional file whose path ends with the requested one at a folder boundary; the first by path when several do.</summary>
        private static AdditionalFileContent? Find(string requested, ImmutableArray<AdditionalFileContent> files)
        {
            if (files.IsDefaultOrEmpty) return null;
            string wanted = Normalize(requested).TrimStart('/');
            while (wanted.StartsWith("./", StringComparison.Ordinal)) wanted = wanted.Substring(2);
            return files
                .Where(f =>
                {
                    string path = Normalize(f.Path);
                    return path == wanted || path.EndsWith("/" + wanted, StringComparison.Ordinal);
                })
                .OrderBy(f => f.Path, StringComparer.Ordinal)
                .FirstOrDefault();
        }

        private static string Normalize(string path) => path.Replace('\\', '/');
    }
}
