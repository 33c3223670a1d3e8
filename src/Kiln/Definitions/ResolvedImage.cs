using Kiln.Diagnostics;

namespace Kiln.Definitions;

/// <summary>
/// One definition with every value resolved for a run: variables bound, interpolation done, plugin configs typed.
/// This is what the engine builds; it never sees YAML.
/// </summary>
public sealed record ResolvedImage
{
    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary>The definition file, absolute.</summary>
    public required string FilePath { get; init; }

    /// <summary>The definition file's directory: relative paths written in the definition are relative to it.</summary>
    public string Directory => DefinitionPaths.DirectoryOf(FilePath);

    public SourceLocation? Location { get; init; }

    public IReadOnlyList<string> DependsOn { get; init; } = [];

    public required IReadOnlyList<ResolvedSource> Sources { get; init; }

    /// <summary>Resolved variable values by name, secrets included; print them only through the redactor.</summary>
    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();

    /// <summary>Names of variables marked sensitive.</summary>
    public IReadOnlySet<string> SensitiveVariables { get; init; } = new HashSet<string>();

    /// <summary>A path written in the definition, made absolute against <see cref="Directory"/> (absolute paths stay).</summary>
    public string ResolvePath(string path) => DefinitionPaths.Resolve(FilePath, path);

    /// <summary>Only the name: the generated record text would print <see cref="Variables"/>, secrets included.</summary>
    public override string ToString() => Name;
}
