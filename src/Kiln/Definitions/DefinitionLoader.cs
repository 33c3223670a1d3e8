using Kiln.Definitions.Yaml;
using Kiln.Diagnostics;
using Kiln.Secrets;

namespace Kiln.Definitions;

/// <summary>
/// Reads definition files (<c>*.kiln.yaml</c>) and the values for their variables into a <see cref="DefinitionSet"/>.
/// Every problem in every file is collected first and thrown together as one <see cref="DefinitionException"/>.
/// </summary>
public static class DefinitionLoader
{
    private static readonly IReadOnlySet<string> SkippedDirectories =
        new HashSet<string>(StringComparer.Ordinal) { "bin", "obj", "node_modules", "output" };

    /// <summary>Loads a directory (every <c>*.kiln.yaml</c> below it) or a single definition file.</summary>
    public static DefinitionSet Load(string path, VariableInputs? inputs, IPluginTypes plugins) =>
        Load([path], inputs, plugins);

    public static DefinitionSet Load(IEnumerable<string> paths, VariableInputs? inputs, IPluginTypes plugins)
    {
        var diagnostics = new List<KilnDiagnostic>();
        var files = new List<(string Path, string Text)>();
        foreach (var path in paths.Select(Path.GetFullPath))
        {
            foreach (var file in Expand(path, diagnostics))
            {
                try
                {
                    files.Add((file, File.ReadAllText(file)));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    diagnostics.Add(new KilnDiagnostic(new SourceLocation(file, 1, 1), $"cannot read the definition: {e.Message}"));
                }
            }
        }

        return Load(files, inputs, plugins, diagnostics);
    }

    /// <summary>Loads definitions given as text, as if read from the given paths (tests, tools, benchmarks).</summary>
    public static DefinitionSet LoadText(IEnumerable<(string Path, string Text)> files, VariableInputs? inputs, IPluginTypes plugins) =>
        Load([.. files.Select(f => (Path.GetFullPath(f.Path), f.Text))], inputs, plugins, []);

    private static DefinitionSet Load(List<(string Path, string Text)> files, VariableInputs? inputs, IPluginTypes plugins, List<KilnDiagnostic> diagnostics)
    {
        inputs ??= VariableInputs.None;
        var warnings = new List<string>();
        var redactor = new Redactor(warning =>
        {
            lock (warnings)
            {
                warnings.Add(warning);
            }
        });
        var definitions = new List<ImageDefinition>();
        foreach (var (path, text) in files)
        {
            var root = YamlReader.Read(path, text, diagnostics);
            if (root is not null && new DefinitionReader(path, plugins, diagnostics).Read(root) is { } definition)
            {
                if (definitions.FirstOrDefault(d => d.Name == definition.Name) is { } other)
                {
                    diagnostics.Add(new KilnDiagnostic(definition.Location, $"another definition is also named '{definition.Name}' ({other.FilePath})",
                        "Image names are unique; rename one of them with `name:`."));
                    continue;
                }

                definitions.Add(definition);
            }
        }

        if (files.Count == 0 && diagnostics.Count == 0)
        {
            throw new KilnException("no definition files were found",
                $"Definition files are named <image>{DefinitionReader.FileSuffixes[0]}.");
        }

        var environment = inputs.EnvironmentOrProcess();
        var values = new VariableResolver(inputs, environment, redactor.Add, diagnostics).Resolve(definitions);
        var set = new DefinitionSet(definitions, values, environment, plugins, redactor, warnings);
        if (diagnostics.Count > 0)
        {
            // Every definition that could be read is bound too, whatever else is wrong with it or its file, so one run
            // shows everything. Dependencies are checked only when no file was lost, or a lost one would look missing.
            diagnostics.AddRange(set.Validate(checkDependencies: definitions.Count == files.Count));
        }

        DefinitionSet.ThrowIfAny(diagnostics, redactor);
        return set;
    }

    private static IEnumerable<string> Expand(string path, List<KilnDiagnostic> diagnostics)
    {
        if (File.Exists(path))
        {
            return [path];
        }

        if (!Directory.Exists(path))
        {
            diagnostics.Add(new KilnDiagnostic(new SourceLocation(path, 1, 1), "no such file or directory"));
            return [];
        }

        var found = new List<string>();
        var pending = new Stack<string>([path]);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            found.AddRange(Directory.EnumerateFiles(directory)
                .Where(f => DefinitionReader.FileSuffixes.Any(s => f.EndsWith(s, StringComparison.OrdinalIgnoreCase))));
            foreach (var child in Directory.EnumerateDirectories(directory))
            {
                var name = Path.GetFileName(child);
                if (!name.StartsWith('.') && !SkippedDirectories.Contains(name))
                {
                    pending.Push(child);
                }
            }
        }

        found.Sort(StringComparer.Ordinal);
        return found;
    }
}
