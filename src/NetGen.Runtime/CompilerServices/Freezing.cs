using System;
using System.ComponentModel;

namespace NetGen.CompilerServices;

/// <summary>What a generated network's <c>Freeze()</c> calls: wraps its frozen copy so that only inference is reachable.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Freezing
{
    /// <summary>Wraps a generated regression network's frozen copy.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="frozenCopy"/> is null.</exception>
    public static FrozenNetwork Wrap(IInferenceNetwork frozenCopy)
    {
        ArgumentNullException.ThrowIfNull(frozenCopy);
        return new FrozenNetwork(frozenCopy);
    }

    /// <summary>Wraps a generated classifier's frozen copy.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="frozenCopy"/> is null.</exception>
    public static FrozenClassifier WrapClassifier<TNetwork>(TNetwork frozenCopy) where TNetwork : class, IInferenceNetwork, IClassifier<float>
    {
        ArgumentNullException.ThrowIfNull(frozenCopy);
        return new FrozenClassifier(frozenCopy, frozenCopy);
    }
}
