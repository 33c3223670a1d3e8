using System.Collections;
using Kiln.Definitions;

namespace Kiln.Components;

internal static class ImageEnvironment
{
    /// <summary>The process environment plus the build's variables as <c>KILN_VAR_*</c>; the environment's own values win.</summary>
    public static IReadOnlyDictionary<string, string> With(IReadOnlyDictionary<string, string> variables)
    {
        var environment = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "", StringComparer.Ordinal);
        foreach (var (name, value) in variables)
        {
            environment.TryAdd(VariableInputs.EnvironmentPrefix + name, value);
        }

        return environment;
    }
}
