using Kiln.Diagnostics;

namespace Kiln.Definitions.Yaml;

/// <summary>
/// A node of a definition file with the place it was written. Kiln reads YAML into this small tree instead of
/// YamlDotNet's representation model so that every value keeps its location and aliases stay bounded.
/// </summary>
public abstract class YamlNode(SourceLocation location)
{
    public SourceLocation Location { get; } = location;

    /// <summary>How this node is called in messages: "a mapping", "a list", "a string".</summary>
    public abstract string Describe();
}

/// <summary>How a scalar was written; quoted scalars are always strings, plain ones may be numbers, booleans or null.</summary>
public enum YamlScalarStyle
{
    Plain,
    Quoted,
    Block,
}

public sealed class YamlScalar(string value, YamlScalarStyle style, SourceLocation location) : YamlNode(location)
{
    public string Value { get; } = value;

    public YamlScalarStyle Style { get; } = style;

    /// <summary>YAML 1.2 core schema null: empty, "~" or "null" written without quotes.</summary>
    public bool IsNull => Style == YamlScalarStyle.Plain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string Describe() => IsNull ? "null" : "a scalar";
}

public sealed class YamlMap(IReadOnlyList<KeyValuePair<YamlScalar, YamlNode>> entries, SourceLocation location) : YamlNode(location)
{
    public IReadOnlyList<KeyValuePair<YamlScalar, YamlNode>> Entries { get; } = entries;

    public YamlNode? this[string key] => Entries.FirstOrDefault(e => e.Key.Value == key).Value;

    public YamlScalar? KeyOf(string key) => Entries.FirstOrDefault(e => e.Key.Value == key).Key;

    public override string Describe() => "a mapping";
}

internal sealed class YamlList(IReadOnlyList<YamlNode> items, SourceLocation location) : YamlNode(location)
{
    public IReadOnlyList<YamlNode> Items { get; } = items;

    public override string Describe() => "a list";
}
