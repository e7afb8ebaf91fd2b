using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Linq;
using System.Reflection;
using NetGen.Tests.Generator;
using Xunit;

namespace NetGen.Tests.Runtime;

/// <summary>
/// The runtime's public surface is what users write against (namespace <c>NetGen</c>) plus what generated code calls
/// (namespace <c>NetGen.CompilerServices</c>, hidden from IntelliSense). A change to the first is a change to the
/// product: it shows up here against PublicApi/NetGen.Runtime.txt, rewritten only on purpose with NETGEN_UPDATE_GOLDEN=1.
/// </summary>
public class PublicSurfaceTests
{
    private static readonly Assembly Runtime = typeof(INetwork).Assembly;

    private static bool IsCompilerServices(Type type) => type.Namespace == "NetGen.CompilerServices";

    [Fact]
    public void EveryPublicTypeIsInOneOfTheTwoNamespaces()
    {
        var elsewhere = Runtime.GetExportedTypes().Where(t => t.Namespace is not ("NetGen" or "NetGen.CompilerServices")).ToArray();
        Assert.True(elsewhere.Length == 0, "Public types outside NetGen and NetGen.CompilerServices: " + string.Join(", ", elsewhere.Select(t => t.FullName)));
    }

    [Fact]
    public void WhatGeneratedCodeCallsIsHiddenFromIntelliSense()
    {
        Type[] services = Runtime.GetExportedTypes().Where(IsCompilerServices).ToArray();
        Assert.NotEmpty(services);
        foreach (Type type in services)
        {
            var browsable = type.GetCustomAttribute<EditorBrowsableAttribute>();
            Assert.True(browsable?.State == EditorBrowsableState.Never, $"{type.FullName} is not [EditorBrowsable(EditorBrowsableState.Never)]");
        }
    }

    [Fact]
    public void UserFacingTypesDoNotExposeCompilerServices()
    {
        // A type a user writes against must not make them touch a hidden one: no public signature outside
        // NetGen.CompilerServices mentions a type inside it.
        var leaks = new List<string>();
        foreach (Type type in Runtime.GetExportedTypes().Where(t => !IsCompilerServices(t)))
        {
            foreach (MemberInfo member in PublicMembers(type))
            {
                IEnumerable<Type> mentioned = member switch
                {
                    MethodBase m => m.GetParameters().Select(p => p.ParameterType).Append((m as MethodInfo)?.ReturnType ?? typeof(void)),
                    PropertyInfo p => new[] { p.PropertyType },
                    FieldInfo f => new[] { f.FieldType },
                    EventInfo e => new[] { e.EventHandlerType! },
                    _ => Array.Empty<Type>(),
                };
                if (mentioned.SelectMany(Unwrap).Any(IsCompilerServices)) leaks.Add($"{type.Name}.{member.Name}");
            }
        }
        Assert.True(leaks.Count == 0, "Public members that mention NetGen.CompilerServices: " + string.Join(", ", leaks));
    }

    [Fact]
    public void UserFacingSurfaceMatchesTheApprovedList()
    {
        string[] surface = Runtime.GetExportedTypes().Where(t => !IsCompilerServices(t))
            .SelectMany(t => PublicMembers(t).Select(m => Describe(t) + " " + m.MemberType + " " + Signature(m)).Prepend(Describe(t)))
            .Distinct().OrderBy(l => l, StringComparer.Ordinal).ToArray();
        string path = Path.Combine(GeneratorHarness.SourceDirectory(), "..", "PublicApi", "NetGen.Runtime.txt");
        string text = string.Join("\n", surface) + "\n";
        if (Environment.GetEnvironmentVariable("NETGEN_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
            return;
        }
        string[] approved = File.ReadAllText(path).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] added = surface.Except(approved).ToArray(), removed = approved.Except(surface).ToArray();
        Assert.True(added.Length == 0 && removed.Length == 0,
            $"The public surface changed (approve on purpose with NETGEN_UPDATE_GOLDEN=1):\n added:\n  {string.Join("\n  ", added)}\n removed:\n  {string.Join("\n  ", removed)}");
    }

    private static IEnumerable<Type> Unwrap(Type type)
    {
        yield return type;
        if (type.HasElementType) foreach (Type t in Unwrap(type.GetElementType()!)) yield return t;
        if (type.IsGenericType) foreach (Type t in type.GetGenericArguments().SelectMany(Unwrap)) yield return t;
    }

    private static IEnumerable<MemberInfo> PublicMembers(Type type)
        => type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => m is not MethodInfo { IsSpecialName: true } and not Type) // accessors appear as their property
            .Concat(type.GetMembers(BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Where(m => m is MethodBase { IsFamily: true } or FieldInfo { IsFamily: true } && !type.IsSealed));

    private static string Describe(Type type)
    {
        string kind = type.IsInterface ? "interface" : type.IsEnum ? "enum" : type.IsValueType ? "struct"
            : typeof(Delegate).IsAssignableFrom(type) ? "delegate" : type.IsAbstract && type.IsSealed ? "static class" : "class";
        return kind + " " + Name(type);
    }

    private static string Name(Type type)
    {
        if (type.IsGenericParameter) return type.Name;
        if (type.IsByRef) return "ref " + Name(type.GetElementType()!);
        if (type.IsArray) return Name(type.GetElementType()!) + "[]";
        string name = type.IsNested ? Name(type.DeclaringType!) + "." + type.Name : type.Namespace + "." + type.Name;
        if (!type.IsGenericType) return name;
        return name.Split('`')[0] + "<" + string.Join(", ", type.GetGenericArguments().Select(Name)) + ">";
    }

    private static string Signature(MemberInfo member) => member switch
    {
        ConstructorInfo c => ".ctor(" + Parameters(c) + ")",
        MethodInfo m => Name(m.ReturnType) + " " + m.Name + (m.IsGenericMethod ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => a.Name)) + ">" : "") + "(" + Parameters(m) + ")" + (m.IsStatic ? " static" : ""),
        PropertyInfo p => Name(p.PropertyType) + " " + p.Name + (p.GetIndexParameters().Length > 0 ? "[" + string.Join(", ", p.GetIndexParameters().Select(i => Name(i.ParameterType))) + "]" : "")
                          + " {" + (p.GetMethod?.IsPublic == true ? " get;" : "") + (p.SetMethod?.IsPublic == true ? (p.SetMethod.ReturnParameter.GetRequiredCustomModifiers().Any(t => t.Name == "IsExternalInit") ? " init;" : " set;") : "") + " }",
        FieldInfo f => Name(f.FieldType) + " " + f.Name + (f.IsLiteral ? " const" : f.IsStatic ? " static" : "") + (f.IsInitOnly ? " readonly" : ""),
        EventInfo e => Name(e.EventHandlerType!) + " " + e.Name,
        _ => member.Name,
    };

    private static string Parameters(MethodBase method)
        => string.Join(", ", method.GetParameters().Select(p => (p.IsOut ? "out " : p.IsIn ? "in " : "") + Name(p.ParameterType) + " " + p.Name + (p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : "")));
}
