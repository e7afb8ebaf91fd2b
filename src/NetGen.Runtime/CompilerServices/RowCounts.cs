namespace NetGen.CompilerServices;

/// <summary>
/// A kernel's row count as a type: a kernel generic over it compiles once per count, with the count a constant and the
/// other counts' code removed, where an argument would leave the count to a branch at every step (the packed product's
/// tiles, <see cref="Gemm"/>; the forward blocks of five or six rows, <see cref="Dense512{TLayer, T}"/>).
/// </summary>
internal interface IRowCount { static abstract int Count { get; } }

internal readonly struct Rows1 : IRowCount { public static int Count => 1; }
internal readonly struct Rows2 : IRowCount { public static int Count => 2; }
internal readonly struct Rows3 : IRowCount { public static int Count => 3; }
internal readonly struct Rows4 : IRowCount { public static int Count => 4; }
internal readonly struct Rows5 : IRowCount { public static int Count => 5; }
internal readonly struct Rows6 : IRowCount { public static int Count => 6; }
