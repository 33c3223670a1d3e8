using System.Collections;
using Kiln.Components.Ci;
using Kiln.Definitions;

namespace Kiln.Components;

internal static class ImageEnvironment
{
    /// <summary>
    /// The process environment plus the build's variables as <c>KILN_VAR_*</c>; the environment's own values win.
    /// <paramref name="unused"/> names sensitive variables the run never uses (only publishers do, and it does not
    /// publish): they get a placeholder when no value was given, since loading needs one.
    /// </summary>
    public static IReadOnlyDictionary<string, string> With(IReadOnlyDictionary<string, string> variables, IReadOnlyList<string>? unused = null)
    {
        var environment = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "", StringComparer.Ordinal);
        foreach (var (name, value) in variables)
        {
            environment.TryAdd(VariableInputs.EnvironmentPrefix + name, value);
        }

        foreach (var name in unused ?? [])
        {
            environment.TryAdd(VariableInputs.EnvironmentPrefix + name, SensitiveVariables.Placeholder);
        }

        return environment;
    }
}
