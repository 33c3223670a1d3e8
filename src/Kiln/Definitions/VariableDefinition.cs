using Kiln.Definitions.Yaml;
using Kiln.Diagnostics;

namespace Kiln.Definitions;

/// <summary>One entry under <c>variables:</c>: a value the user supplies, with its type, default and rules.</summary>
public sealed record VariableDefinition
{
    public required string Name { get; init; }

    public VariableType Type { get; init; } = VariableType.String;

    /// <summary>The default as written; null when the variable must be supplied.</summary>
    public YamlNode? Default { get; init; }

    public string? Description { get; init; }

    /// <summary>The value is a secret: it is redacted from everything Kiln writes.</summary>
    public bool Sensitive { get; init; }

    public VariableValidation? Validation { get; init; }

    public required SourceLocation Location { get; init; }
}

/// <summary>Rules a variable's value must follow, with the user's own message when it does not.</summary>
public sealed record VariableValidation
{
    public double? Min { get; init; }

    public double? Max { get; init; }

    public string? Pattern { get; init; }

    public IReadOnlyList<string> Allowed { get; init; } = [];

    public string? ErrorMessage { get; init; }
}
