using System.Linq;
using NetGen.Generator.Emitting;
using NetGen.Generator.Model;
using NetGen.Generator.Planning;

namespace NetGen.Generator;

public sealed partial class NetGenGenerator
{
    internal static partial class Emitter
    {
        /// <summary>Outputs finished together by one transposing reduction (<c>VectorMath.SumEach</c>).</summary>
        private const int RowBlock = Planner.RowBlock;

        /// <summary>
        /// One row forward: sixteen weight rows against the input at once (sixteen accumulators along the inputs), finished
        /// by one transposing reduction into a vector of sixteen outputs, which takes the bias and the activation whole.
        /// The blocks of sixteen go first to last or, <c>backwards</c>, last to first: a caller that turns the order at every
        /// call finds in cache what the last call read last, where a fixed order meets a weight matrix a little larger than
        /// what stays cached between calls by missing on all of it (least-recently-used eviction takes each block just
        /// before it is read). The order of the blocks changes no output's bits.
        /// </summary>
        private static void EmitForwardRow(CodeWriter w, LayerPlan layer, SimdFlavor f)
        {
            int l = layer.Index;
            ActivationKind activation = layer.Activation;
            int n = layer.Inputs, m = layer.Outputs;
            int blocks = m - m % RowBlock, chunks = n - n % RowBlock;
            var js = Enumerable.Range(0, RowBlock).ToArray();
            w.Line($"/// <summary>Layer {l} forward of one row, {f.Xml}: y[{m}] = {activation}(W[{m}, {n}] · x[{n}] + b[{m}]),");
            w.Line("/// sixteen outputs per reduction.</summary>");
            w.Line(KernelAttributes);
            using (w.Block($"public static void ForwardRow{l}{f.Suffix}(ref float x, ref float w, ref float b, ref float y, bool backwards)"))
            {
                if (blocks > 0)
                {
                    using (w.Block($"for (int i = 0; i < {blocks}; i += {RowBlock})"))
                    {
                        w.Line($"int o = backwards ? {blocks - RowBlock} - i : i;");
                        w.Line($"ref float w0 = ref Unsafe.Add(ref w, (nint)o * {n});");
                        int group = layer.RowGroup;
                        if (group < RowBlock)
                            w.Line($"// {group} weight rows at a time: rows {Literal.Int(n * 4)} bytes apart share L1's sets (Planner.RowGroup).");
                        for (int g = 0; g < RowBlock; g += group)
                        {
                            Declare(w, "Vector512<float>", js.Skip(g).Take(group).Select(j => ("c" + j, "default")));
                            using (w.Block($"for (int k = 0; k < {chunks}; k += {RowBlock})"))
                            {
                                w.Line("Vector512<float> xv = Vector512.LoadUnsafe(ref x, (nuint)k);");
                                foreach (int j in js.Skip(g).Take(group))
                                    w.Line($"c{j} = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref w0, (nuint)({(j == 0 ? "" : Literal.Int(j * n) + " + ")}k)), c{j});");
                            }
                        }
                        w.Line("Vector512<float> s = global::NetGen.CompilerServices.VectorMath.SumEach(");
                        w.Line("    " + string.Join(", ", js.Select(j => "c" + j)) + ");");
                        if (chunks < n)
                        {
                            w.Line("// Inputs past the last whole vector: a column of sixteen weights at a time, continuing each output's sum");
                            w.Line("// exactly as the batch kernel's scalar tail does, so one row and a batch row agree to the bit.");
                            using (w.Block($"for (int k = {chunks}; k < {n}; k++)"))
                            {
                                var column = js.Select(j => $"Unsafe.Add(ref w0, {(j == 0 ? "" : Literal.Int(j * n) + " + ")}k)").ToList();
                                w.Line("Vector512<float> column = Vector512.Create(" + string.Join(",", Enumerable.Range(0, (column.Count + 3) / 4)
                                    .Select(g => "\n    " + string.Join(", ", column.Skip(4 * g).Take(4)))) + ");");
                                w.Line("s = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x, k)), column, s);");
                            }
                        }
                        w.Line("s += Vector512.LoadUnsafe(ref b, (nuint)o);");
                        string value = activation switch
                        {
                            ActivationKind.Identity => "s",
                            ActivationKind.LeakyReLU => $"global::NetGen.CompilerServices.ActivationMath.LeakyReLU(s, {Literal.Float(layer.NegativeSlope)})",
                            _ => $"global::NetGen.CompilerServices.ActivationMath.{activation}(s)",
                        };
                        w.Line($"{value}.StoreUnsafe(ref y, (nuint)o);");
                    }
                }
                if (blocks < m)
                {
                    w.Line("// Outputs past the last block of sixteen: one dot product each.");
                    using (w.Block($"for (int o = {blocks}; o < {m}; o++)"))
                    {
                        w.Line($"ref float wo = ref Unsafe.Add(ref w, (nint)o * {n});");
                        w.Line("Vector512<float> c = Vector512<float>.Zero;");
                        using (w.Block($"for (int k = 0; k < {chunks}; k += {RowBlock})"))
                            w.Line("c = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x, (nuint)k), Vector512.LoadUnsafe(ref wo, (nuint)k), c);");
                        w.Line("float s = Vector512.Sum(c);");
                        if (chunks < n)
                        {
                            using (w.Block($"for (int k = {chunks}; k < {n}; k++)"))
                                w.Line("s = MathF.FusedMultiplyAdd(Unsafe.Add(ref x, k), Unsafe.Add(ref wo, k), s);");
                        }
                        w.Line($"Unsafe.Add(ref y, o) = {ScalarActivation(activation, "s + Unsafe.Add(ref b, o)", layer.NegativeSlope)};");
                    }
                }
            }
            w.Line();
        }

        /// <summary>
        /// One row's weight gradient, <c>dW[o, :] = δ[o]·x</c>, <c>db = δ</c>, an outer product handed row by row to the
        /// kernel's epilogue (<see cref="EmitBackwardWeights"/>): stored, or consumed by the optimizer's update in registers.
        /// Each gradient element is the product the batch kernel forms for one row, so both give the same bits.
        /// </summary>
        private static void EmitBackwardWeightsRow(CodeWriter w, LayerPlan layer, SimdFlavor f)
        {
            int l = layer.Index, n = layer.Inputs, m = layer.Outputs;
            int chunks = n - n % RowBlock, vectors = chunks / RowBlock;
            bool inRegisters = vectors <= BlockVectors;
            w.Line($"/// <summary>Layer {l} weight gradients of one row, {f.Xml}, handed to <paramref name=\"update\"/>:");
            w.Line($"/// dW[{m}, {n}] = δ[{m}] ⊗ x[{n}], db[{m}] = δ.</summary>");
            w.Line(KernelAttributes);
            w.Line($"public static void BackwardWeightsRow{l}{f.Suffix}<TUpdate>(");
            w.Line("    ref float delta, ref float x, ref float w, ref float b, ref float vw, ref float vb, in TUpdate update)");
            w.Line("    " + UpdateConstraint(f));
            using (w.Block(""))
            {
                w.Line("TUpdate u = update; // a local copy: its coefficients stay in registers");
                if (inRegisters)
                {
                    w.Line("// x fits in registers: every weight row is one broadcast and a few products.");
                    for (int v = 0; v < vectors; v++) w.Line($"Vector512<float> x{v} = Vector512.LoadUnsafe(ref x, (nuint){Literal.Int(v * RowBlock)});");
                }
                using (w.Block($"for (int o = 0; o < {m}; o++)"))
                {
                    w.Line("float d = Unsafe.Add(ref delta, o);");
                    w.Line("Vector512<float> dv = Vector512.Create(d);");
                    w.Line($"ref float wo = ref Unsafe.Add(ref w, (nint)o * {n});");
                    w.Line($"ref float vo = ref Unsafe.Add(ref vw, (nint)o * {n});");
                    if (inRegisters)
                    {
                        for (int v = 0; v < vectors; v++) w.Line($"u.Weight(ref wo, ref vo, {Literal.Int(v * RowBlock)}, dv * x{v});");
                    }
                    else
                    {
                        using (w.Block($"for (int i = 0; i < {chunks}; i += {RowBlock})"))
                            w.Line("u.Weight(ref wo, ref vo, (nuint)i, dv * Vector512.LoadUnsafe(ref x, (nuint)i));");
                    }
                    if (chunks < n)
                    {
                        using (w.Block($"for (int i = {chunks}; i < {n}; i++)"))
                            w.Line("u.Weight(ref Unsafe.Add(ref wo, i), ref Unsafe.Add(ref vo, i), d * Unsafe.Add(ref x, i));");
                    }
                }
                w.Line("// db = δ");
                int biasChunks = m - m % RowBlock;
                if (biasChunks > 0)
                {
                    using (w.Block($"for (int o = 0; o < {biasChunks}; o += {RowBlock})"))
                        w.Line("u.Bias(ref b, ref vb, (nuint)o, Vector512.LoadUnsafe(ref delta, (nuint)o));");
                }
                if (biasChunks < m)
                {
                    using (w.Block($"for (int o = {biasChunks}; o < {m}; o++)"))
                        w.Line("u.Bias(ref Unsafe.Add(ref b, o), ref Unsafe.Add(ref vb, o), Unsafe.Add(ref delta, o));");
                }
            }
            w.Line();
        }

        /// <summary>
        /// One row's input delta: <c>δp = (δ·W) ∘ f′(a)</c>, up to four vectors of inputs at a time with the weight rows split
        /// over independent accumulator chains, so that the fused multiply-adds overlap instead of waiting on each other.
        /// </summary>
        private static void EmitBackwardInputRow(CodeWriter w, LayerPlan layer, SimdFlavor f)
        {
            int l = layer.Index;
            ActivationKind previous = layer.InputActivation;
            float previousSlope = layer.InputSlope;
            bool masked = layer.InputMasked;
            int n = layer.Inputs, m = layer.Outputs;
            w.Line($"/// <summary>Layer {l} input delta of one row, {f.Xml}:");
            w.Line($"/// δp[{n}] = (δ[{m}] · W[{m}, {n}]) ∘ {previous}′(a[{n}])" + (masked ? " ∘ dropout mask" : "") + ".</summary>");
            w.Line(KernelAttributes);
            using (w.Block($"public static void BackwardInputRow{l}{f.Suffix}(ref float delta, ref float w, ref float a, " + (masked ? "ref float mask, " : "") + "ref float deltaPrevious)"))
            {
                // Whole blocks of four vectors, then one block of the one to three vectors left; each block splits the
                // weight rows over enough accumulator chains to keep eight fused multiply-adds in flight.
                int vectors = n / RowBlock, whole = vectors - vectors % BlockVectors;
                foreach (int nv in new[] { BlockVectors, vectors % BlockVectors })
                {
                    if (nv == 0 || (nv == BlockVectors && whole == 0)) continue;
                    int chains = (8 + nv - 1) / nv;
                    var cells = (from c in Enumerable.Range(0, chains) from v in Enumerable.Range(0, nv) select (c, v)).ToList();
                    using (w.Block(nv == BlockVectors ? $"for (int i = 0; i < {Literal.Int(whole * RowBlock)}; i += {Literal.Int(BlockVectors * RowBlock)})" : ""))
                    {
                        if (nv != BlockVectors) w.Line($"const int i = {Literal.Int(whole * RowBlock)};");
                        Declare(w, "Vector512<float>", cells.Select(p => ($"c{p.c}_{p.v}", "default")));
                        w.Line("int o = 0;");
                        using (w.Block($"for (; o + {chains} <= {m}; o += {chains})"))
                        {
                            for (int c = 0; c < chains; c++)
                            {
                                w.Line($"Vector512<float> d{c} = Vector512.Create(Unsafe.Add(ref delta, o + {c}));");
                                w.Line($"ref float w{c} = ref Unsafe.Add(ref w, (nint)(o + {c}) * {n} + i);");
                                for (int v = 0; v < nv; v++) w.Line($"c{c}_{v} = Vector512.FusedMultiplyAdd(d{c}, {f.Load("w" + c, f.Offset(v))}, c{c}_{v});");
                            }
                        }
                        if (m % chains != 0)
                        {
                            using (w.Block($"for (; o < {m}; o++)"))
                            {
                                w.Line("Vector512<float> d0 = Vector512.Create(Unsafe.Add(ref delta, o));");
                                w.Line($"ref float w0 = ref Unsafe.Add(ref w, (nint)o * {n} + i);");
                                for (int v = 0; v < nv; v++) w.Line($"c0_{v} = Vector512.FusedMultiplyAdd(d0, {f.Load("w0", f.Offset(v))}, c0_{v});");
                            }
                        }
                        for (int v = 0; v < nv; v++)
                        {
                            string sum = Tree(Enumerable.Range(0, chains).Select(c => $"c{c}_{v}").ToList());
                            string value = previous == ActivationKind.Identity ? $"({sum})" : $"({sum})\n    * {Derivative(previous, f.Load("a", "i + " + f.Offset(v)), previousSlope)}";
                            if (masked) value += "\n    * " + f.Load("mask", "i + " + f.Offset(v));
                            Wrapped(w, $"({value})", $".StoreUnsafe(ref deltaPrevious, (nuint)(i + {f.Offset(v)}));");
                        }
                    }
                }
                if (f.MayHaveRemainder(n))
                {
                    using (w.Block($"for (int i = {f.RoundDown(n)}; i < {n}; i++)"))
                    {
                        w.Line("float s = 0f;");
                        using (w.Block($"for (int o = 0; o < {m}; o++)"))
                            w.Line($"s = MathF.FusedMultiplyAdd(Unsafe.Add(ref delta, o), Unsafe.Add(ref w, (nint)o * {n} + i), s);");
                        string value = previous == ActivationKind.Identity ? "s" : $"s * {Derivative(previous, "Unsafe.Add(ref a, i)", previousSlope)}";
                        if (masked) value += " * Unsafe.Add(ref mask, i)";
                        Wrapped(w, "Unsafe.Add(ref deltaPrevious, i) = ", value + ";");
                    }
                }
            }
            w.Line();
        }
    
        /// <summary>A pairwise sum of the terms: <c>(a + b) + (c + d)</c>.</summary>
        private static string Tree(System.Collections.Generic.List<string> terms)
        {
            while (terms.Count > 1)
            {
                var next = new System.Collections.Generic.List<string>();
                for (int t = 0; t + 1 < terms.Count; t += 2) next.Add($"({terms[t]} + {terms[t + 1]})");
                if (terms.Count % 2 == 1) next.Add(terms[terms.Count - 1]);
                terms = next;
            }
            return terms[0];
        }
    }
}
