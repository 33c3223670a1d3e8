using Kiln.Definitions;
using Kiln.Diagnostics;

namespace Kiln.Tests.Definitions;

/// <summary>Writes definitions into a temporary directory and loads them with the test plugins.</summary>
internal sealed class DefinitionFixture : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("kiln-defs-").FullName;

    public string Write(string relativePath, string text)
    {
        var path = Path.Combine(Directory, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Loads with the test plugins, or with <paramref name="plugins"/> (the real catalog, for the built-in plugins).</summary>
    public DefinitionSet Load(VariableInputs? inputs = null, IPluginTypes? plugins = null) =>
        DefinitionLoader.Load(Directory, inputs ?? new VariableInputs { Environment = new Dictionary<string, string>() }, plugins ?? TestPlugins.Catalog);

    /// <summary>The diagnostics of loading and validating, whichever step finds them.</summary>
    public IReadOnlyList<KilnDiagnostic> Problems(VariableInputs? inputs = null, IPluginTypes? plugins = null)
    {
        try
        {
            return Load(inputs, plugins).Validate();
        }
        catch (DefinitionException e)
        {
            return e.Diagnostics;
        }
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

internal static class DiagnosticAssert
{
    /// <summary>Exactly one diagnostic containing <paramref name="message"/>, at the given line and column.</summary>
    public static KilnDiagnostic Single(IReadOnlyList<KilnDiagnostic> diagnostics, string message, int line, int column)
    {
        var matching = diagnostics.Where(d => d.Message.Contains(message, StringComparison.Ordinal)).ToList();
        Assert.True(matching.Count == 1, $"expected one diagnostic with '{message}', got:\n{string.Join("\n", diagnostics)}");
        var diagnostic = matching[0];
        Assert.NotNull(diagnostic.Location);
        Assert.Equal((line, column), (diagnostic.Location.Line, diagnostic.Location.Column));
        return diagnostic;
    }
}
