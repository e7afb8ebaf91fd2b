namespace NetGen.Generator.Model;

/// <summary>What a <c>[BakedWeights]</c> attribute asks for, before the file is found: the path as written, the mode, and where to report.</summary>
internal sealed record BakedWeightsRequest(string Path, bool InferenceOnly, LocationInfo? Location);

/// <summary>Baked parameters, validated against the network and laid out as its parameter buffer.</summary>
/// <param name="Path">The path as written in the attribute (for the generated comments).</param>
/// <param name="InferenceOnly">Whether the network has no training API and reads its weights from static data.</param>
/// <param name="Values">One value per parameter, in the parameter layout (float values widen exactly).</param>
internal sealed record BakedWeights(string Path, bool InferenceOnly, EquatableArray<double> Values);

/// <summary>The bytes of one safetensors <c>AdditionalFiles</c> item, or why they could not be read.</summary>
internal sealed record AdditionalFileContent(string Path, EquatableArray<byte> Bytes, string? Error);
