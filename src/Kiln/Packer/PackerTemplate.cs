using Kiln.Packer.Hcl;

namespace Kiln.Packer;

/// <summary>A Packer template read from JSON or HCL2, its values already evaluated: what the translator works from.</summary>
internal sealed class PackerTemplate
{
    public required string Name { get; init; }

    /// <summary>The directory relative paths in the template start from.</summary>
    public required string Directory { get; init; }

    public Dictionary<string, PackerVariable> Variables { get; } = new(StringComparer.Ordinal);

    public List<PackerPlugin> Sources { get; } = [];

    public List<PackerBuild> Builds { get; } = [];

    /// <summary>What could not be read or evaluated, each at its place.</summary>
    public List<ImportReportEntry> Report { get; } = [];
}

internal sealed record PackerVariable(string Name, object? Value, bool Sensitive, TemplatePosition Position);

/// <summary>A builder (source), provisioner or post-processor: its type, name (sources) and evaluated attributes.</summary>
internal sealed record PackerPlugin(string Type, string? Name, IReadOnlyList<PackerAttribute> Attributes, TemplatePosition Position);

/// <summary>One key and its value (string, double, bool, null, list, map), at its place.</summary>
internal sealed record PackerAttribute(string Key, object? Value, TemplatePosition Position);

/// <summary>A build: the sources it builds (by source name), its provisioners and its post-processor chains.</summary>
internal sealed record PackerBuild(string? Name, IReadOnlyList<(string Type, string Name)> Sources, IReadOnlyList<PackerPlugin> Provisioners,
    IReadOnlyList<IReadOnlyList<PackerPlugin>> PostProcessors, TemplatePosition Position);

/// <summary>A construct the import did not translate (or translated approximately), at its place in the Packer template.</summary>
public sealed record ImportReportEntry(TemplatePosition Position, string Message)
{
    public override string ToString() => $"{Position.File}:{Position.Line}: {Message}";
}
