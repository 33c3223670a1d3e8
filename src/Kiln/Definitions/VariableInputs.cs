namespace Kiln.Definitions;

/// <summary>
/// Values for variables from outside the definitions. Precedence, lowest first: defaults, <c>*.auto.vars.yaml</c>
/// beside the definition, <see cref="VarFiles"/> in order, <c>KILN_VAR_&lt;name&gt;</c> from
/// <see cref="Environment"/>, then <see cref="Vars"/> (<c>--var name=value</c>) in order.
/// </summary>
public sealed record VariableInputs
{
    public IReadOnlyList<string> VarFiles { get; init; } = [];

    /// <summary>Each <c>--var</c> as written: "name=value".</summary>
    public IReadOnlyList<string> Vars { get; init; } = [];

    /// <summary>The environment for <c>KILN_VAR_*</c> and <c>{{ env.* }}</c>; null means the process environment.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    public static VariableInputs None { get; } = new();

    public const string EnvironmentPrefix = "KILN_VAR_";

    public const string AutoVarsSuffix = ".auto.vars.yaml";

    internal IReadOnlyDictionary<string, string> EnvironmentOrProcess() =>
        Environment ?? System.Environment.GetEnvironmentVariables()
            .Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "", StringComparer.Ordinal);
}
