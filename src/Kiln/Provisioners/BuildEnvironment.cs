using Kiln.Engine;

namespace Kiln.Provisioners;

/// <summary>The build's own values, given to scripts as environment variables (Packer's PACKER_BUILD_NAME and friends).</summary>
internal static class BuildEnvironment
{
    public static Dictionary<string, string> For(BuildState state)
    {
        var context = state.Context;
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["KILN_BUILD_NAME"] = context.BuildName,
            ["KILN_IMAGE"] = context.Image.Name,
            ["KILN_SOURCE"] = context.Source.Name,
            ["KILN_SOURCE_TYPE"] = context.Source.Type,
            ["KILN_RUN_ID"] = context.RunId,
            ["KILN_OUTPUT"] = context.OutputDirectory,
        };
        return environment;
    }

    /// <summary>The build's own values that a definition's <c>env</c> did not replace: names and paths, shown in logs.</summary>
    public static IReadOnlySet<string> NotSecret(IReadOnlyDictionary<string, string> env) =>
        new HashSet<string>(["KILN_BUILD_NAME", "KILN_IMAGE", "KILN_SOURCE", "KILN_SOURCE_TYPE", "KILN_RUN_ID", "KILN_OUTPUT"], StringComparer.Ordinal)
            .Except(env.Keys).ToHashSet(StringComparer.Ordinal);

    /// <summary>The build's values overlaid with the entry's own <c>env</c> (which wins).</summary>
    public static Dictionary<string, string> With(BuildState state, IReadOnlyDictionary<string, string> env)
    {
        var environment = For(state);
        foreach (var (name, value) in env)
        {
            environment[name] = value;
        }

        return environment;
    }
}
