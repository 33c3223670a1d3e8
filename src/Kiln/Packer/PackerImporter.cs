using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Packer.Hcl;
using Kiln.Plugins;

namespace Kiln.Packer;

/// <summary>What ImportPacker reads and where it writes.</summary>
public sealed record PackerImportSettings
{
    /// <summary>A JSON template, one <c>.pkr.hcl</c> file, or a folder of them.</summary>
    public required string From { get; init; }

    /// <summary><c>*.pkrvars.hcl</c> (or JSON var files for a JSON template), in order; later ones win.</summary>
    public IReadOnlyList<string> VarFiles { get; init; } = [];

    /// <summary>Where the definitions are written (templates/).</summary>
    public required string Templates { get; init; }

    /// <summary>Overwrite definitions that already exist.</summary>
    public bool Force { get; init; }

    public PluginCatalog Catalog { get; init; } = PluginCatalog.Default;
}

/// <summary>The definitions written and every construct that was not translated, located in the Packer template.</summary>
public sealed record PackerImportResult(IReadOnlyList<string> Written, IReadOnlyList<ImportReportEntry> Report);

/// <summary>
/// ./build.sh ImportPacker: reads a Packer template, translates it through <see cref="PackerNames"/>, checks the result
/// with the definition loader, and only then writes the definitions (all or none, never over an existing one without
/// <see cref="PackerImportSettings.Force"/>).
/// </summary>
public static class PackerImporter
{
    public static PackerImportResult Import(PackerImportSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var template = Read(settings);
        var output = Path.GetFullPath(settings.Templates);
        var definitions = new PackerTranslator(template, output, settings.Catalog).Translate();
        var report = template.Report.Distinct().OrderBy(e => e.Position.File, StringComparer.Ordinal).ThenBy(e => e.Position.Line).ToList();
        if (definitions.Count == 0)
        {
            throw new KilnException($"nothing in {settings.From} could be translated into a Kiln definition:\n" + string.Join("\n", report),
                "Kiln builds qemu, amazon-ebs and docker sources; see docs/coming-from-packer.md.");
        }

        var files = definitions.Select(d => (Path: Path.Combine(output, d.Name + DefinitionReader.FileSuffixes[0]), Text: d.Yaml)).ToList();
        foreach (var existing in files.Where(f => File.Exists(f.Path) && !settings.Force))
        {
            throw new KilnException($"{existing.Path} already exists; nothing was written", "Pass --force to overwrite it.");
        }

        var problems = Validate(files, settings.Catalog);
        if (problems.Count > 0)
        {
            throw new KilnException($"the translated definitions do not validate, so nothing was written:\n{string.Join("\n", problems)}\nimport report:\n{string.Join("\n", report)}",
                "This is a gap in the importer; translate these parts by hand.");
        }

        Directory.CreateDirectory(output);
        foreach (var (path, text) in files)
        {
            var partial = path + ".partial";
            File.WriteAllText(partial, text);
            File.Move(partial, path, overwrite: true);
        }

        return new PackerImportResult([.. files.Select(f => f.Path)], report);
    }

    /// <summary>The translated definitions' problems, as ValidateImages would report them.</summary>
    public static IReadOnlyList<KilnDiagnostic> Validate(IEnumerable<(string Path, string Text)> files, PluginCatalog catalog)
    {
        try
        {
            return DefinitionLoader.LoadText(files, new VariableInputs { Environment = new Dictionary<string, string>() }, catalog).Validate();
        }
        catch (DefinitionException e)
        {
            return e.Diagnostics;
        }
    }

    private static PackerTemplate Read(PackerImportSettings settings)
    {
        var from = Path.GetFullPath(settings.From);
        var varFiles = settings.VarFiles.Select(Path.GetFullPath).ToList();
        foreach (var missing in varFiles.Prepend(from).Where(p => !File.Exists(p) && !Directory.Exists(p)))
        {
            throw new KilnException($"{missing} does not exist", "--from names a Packer template (.json or .pkr.hcl) or a folder of .pkr.hcl files.");
        }

        var name = varFiles.Count > 0
            ? Path.GetFileName(varFiles[^1]).Replace(".pkrvars.hcl", "", StringComparison.Ordinal).Replace(".json", "", StringComparison.Ordinal)
            : Path.GetFileName(from.TrimEnd(Path.DirectorySeparatorChar));
        try
        {
            if (Directory.Exists(from))
            {
                var hcl = Directory.GetFiles(from, "*.pkr.hcl").Order(StringComparer.Ordinal).ToList();
                if (hcl.Count == 0)
                {
                    throw new KilnException($"{from} holds no .pkr.hcl files", "Give a JSON template with --from path/to/template.json.");
                }

                var autoVars = Directory.GetFiles(from, "*.auto.pkrvars.hcl").Order(StringComparer.Ordinal);
                return HclTemplateReader.Read(hcl, [.. autoVars, .. varFiles], name);
            }

            return from.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
                ? JsonTemplateReader.Read(from, varFiles, name)
                : HclTemplateReader.Read([from], varFiles, name);
        }
        catch (TemplateParseException e)
        {
            throw new KilnException($"{e.Position}: error: {e.Reason}", "The template is not valid Packer JSON or HCL2 here; nothing was written.");
        }
    }
}
