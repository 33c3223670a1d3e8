using Kiln.Definitions.Yaml;
using Kiln.Diagnostics;

namespace Kiln.Definitions;

/// <summary>
/// One definition file as written, checked for shape but not yet resolved: plugin bodies stay YAML until a
/// build (or validation) binds them with values, because they may interpolate build-time values.
/// </summary>
public sealed record ImageDefinition
{
    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary>The definition file, absolute.</summary>
    public required string FilePath { get; init; }

    public required SourceLocation Location { get; init; }

    public IReadOnlyList<NamedReference> DependsOn { get; init; } = [];

    public IReadOnlyList<VariableDefinition> Variables { get; init; } = [];

    public IReadOnlyList<LocalDefinition> Locals { get; init; } = [];

    public IReadOnlyList<SourceDefinition> Sources { get; init; } = [];

    public IReadOnlyList<PluginEntry> Provision { get; init; } = [];

    public IReadOnlyList<PluginEntry> Verify { get; init; } = [];

    /// <summary>Each inner list is a chain of publishers; a single item is a chain of one.</summary>
    public IReadOnlyList<IReadOnlyList<PluginEntry>> Publish { get; init; } = [];

    public string Directory => DefinitionPaths.DirectoryOf(FilePath);
}

/// <summary>A name written somewhere, with its place (a depends_on entry, an only/except entry).</summary>
public sealed record NamedReference(string Name, SourceLocation Location);

public sealed record LocalDefinition(string Name, YamlNode Value, SourceLocation Location);

/// <summary>One entry under <c>sources:</c>; <see cref="Body"/> holds its keys except <c>type</c>.</summary>
public sealed record SourceDefinition(string Name, string Type, YamlMap Body, SourceLocation Location);

/// <summary>A provisioner, check or publisher entry: the list item's single key and its body.</summary>
public sealed record PluginEntry(string Type, YamlNode Body, SourceLocation Location);
