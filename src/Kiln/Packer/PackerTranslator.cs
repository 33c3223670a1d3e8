using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Kiln.Builders.Qemu;
using Kiln.Definitions;
using Kiln.Packer.Hcl;
using Kiln.Plugins;

namespace Kiln.Packer;

/// <summary>
/// Turns a read <see cref="PackerTemplate"/> into Kiln definition text, one per build, through <see cref="PackerNames"/>.
/// A key is written only when the Kiln plugin has it; everything else is a located report entry.
/// </summary>
internal sealed partial class PackerTranslator(PackerTemplate template, string outputDirectory, PluginCatalog catalog)
{
    private static readonly IReadOnlySet<string> PathKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "script", "scripts", "source", "playbook_file", "vagrantfile_template", "include", "http_directory", "cd_files", "working_directory",
    };

    private static readonly IReadOnlyList<string> BaseKeys = ["disk_image", "iso_url", "iso_urls", "iso_checksum", "iso_checksum_type"];

    private readonly List<ImportReportEntry> _report = template.Report;

    public List<(string Name, string Yaml)> Translate()
    {
        var definitions = new List<(string, string)>();
        for (var i = 0; i < template.Builds.Count; i++)
        {
            var build = template.Builds[i];
            var name = Name(build.Name ?? template.Name) + (template.Builds.Count > 1 && build.Name is null ? $"-{i + 1}" : "");
            var sources = new List<(string Key, object? Value)>();
            var sourceNames = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (type, sourceName) in build.Sources)
            {
                var source = template.Sources.FirstOrDefault(s => s.Type == type && s.Name == sourceName);
                if (source is null)
                {
                    _report.Add(new ImportReportEntry(build.Position, $"the build names source.{type}.{sourceName}, which the template does not define"));
                    continue;
                }

                if (!catalog.Builders.TryGetValue(type, out var builder))
                {
                    _report.Add(new ImportReportEntry(source.Position, $"builder '{type}' (source {sourceName}) has no Kiln builder: not translated"));
                    continue;
                }

                var kilnName = Name(sources.Any(s => s.Key == Name(sourceName)) ? $"{type}-{sourceName}" : sourceName);
                if (Source(source, builder.ConfigType) is { } sourceBody)
                {
                    sources.Add((kilnName, sourceBody));
                    sourceNames[sourceName] = kilnName;
                    sourceNames[$"{type}.{sourceName}"] = kilnName;
                }
            }

            if (sources.Count == 0)
            {
                _report.Add(new ImportReportEntry(build.Position, $"no source of this build could be translated, so no definition '{name}' is written"));
                continue;
            }

            var provision = build.Provisioners
                .Select(p => Plugin(p, catalog.Provisioners.TryGetValue(p.Type, out var x) ? x.ConfigType : null, PackerScope.Provisioner, sourceNames, "provisioner"))
                .OfType<List<(string, object?)>>().Select(p => (object?)p).ToList();
            var publish = new List<object?>();
            foreach (var chain in build.PostProcessors)
            {
                var members = chain
                    .Select(p => Plugin(p, catalog.Publishers.TryGetValue(p.Type, out var x) ? x.ConfigType : null, PackerScope.PostProcessor, sourceNames, "post-processor"))
                    .OfType<List<(string, object?)>>().Select(p => (object?)p).ToList();
                if (members.Count == 1)
                {
                    publish.Add(members[0]);
                }
                else if (members.Count > 1)
                {
                    publish.Add(members);
                }
            }

            var definition = new List<(string Key, object? Value)> { ("name", name), ("description", $"Imported from the Packer template {Path.GetFileName(template.Name)}") };
            var body = new List<(string Key, object? Value)> { ("sources", sources) };
            if (provision.Count > 0)
            {
                body.Add(("provision", provision));
            }

            if (publish.Count > 0)
            {
                body.Add(("publish", publish));
            }

            var text = new StringBuilder();
            YamlWriter.Write(text, body, 0);
            var variables = Variables(text.ToString());
            if (variables.Count > 0)
            {
                definition.Add(("variables", variables));
            }

            var yaml = new StringBuilder("# yaml-language-server: $schema=kiln.schema.json\n# Imported by ./build.sh ImportPacker; see the import report for what was not translated.\n");
            YamlWriter.Write(yaml, definition, 0);
            yaml.Append(text);
            definitions.Add((name, yaml.ToString()));
        }

        return definitions;
    }

    private List<(string Key, object? Value)>? Source(PackerPlugin source, Type configType)
    {
        var model = ConfigModel.For(configType);
        var body = new List<(string Key, object? Value)> { ("type", source.Type) };
        if (source.Type == "qemu")
        {
            if (QemuBase(source) is not { } baseConfig)
            {
                return null;
            }

            body.Add(("base", baseConfig));
        }

        foreach (var attribute in source.Attributes.Where(a => !(source.Type == "qemu" && BaseKeys.Contains(a.Key))))
        {
            var value = attribute.Key switch
            {
                "format" when source.Type == "qemu" => new List<object?> { Concrete(attribute.Value) },
                "disk_size" when Concrete(attribute.Value) is var size && (size is double || size is string s && s.All(char.IsDigit)) =>
                    $"{Convert.ToString(size, CultureInfo.InvariantCulture)}M",
                "qemuargs" when attribute.Value is List<object?> args => args.SelectMany(a => a as List<object?> ?? [a]).ToList(),
                "efi_boot" when source.Type == "qemu" && Concrete(attribute.Value) is bool efi => efi ? "uefi" : "bios",
                _ => attribute.Value,
            };
            _ = Add(body, model, attribute with { Value = value }, PackerScope.Builder, $"{source.Type} source '{source.Name}'");
        }

        // A label names the CD of cd_files; without them (not translated) it would only fail validation.
        if (body.Any(e => e.Key == "cd_label") && !body.Any(e => e.Key == "cd_files"))
        {
            body.RemoveAll(e => e.Key == "cd_label");
            var label = source.Attributes.First(a => a.Key == "cd_label");
            _report.Add(new ImportReportEntry(label.Position, $"'cd_label' of {source.Type} source '{source.Name}' is not translated: its cd_files were not"));
        }

        return body;
    }

    private List<(string Key, object? Value)>? QemuBase(PackerPlugin source)
    {
        string? Get(string key) => Concrete(source.Attributes.FirstOrDefault(a => a.Key == key)?.Value) switch
        {
            List<object?> list => list.FirstOrDefault()?.ToString(),
            var v => v is null ? null : Convert.ToString(v, CultureInfo.InvariantCulture),
        };
        var at = source.Attributes.FirstOrDefault(a => a.Key is "iso_url" or "iso_urls")?.Position ?? source.Position;
        var url = Get("iso_url") ?? Get("iso_urls");
        var checksum = Get("iso_checksum");
        if (Get("iso_checksum_type") is { Length: > 0 } checksumType && checksum is not null && !checksum.Contains(':', StringComparison.Ordinal))
        {
            checksum = $"{checksumType}:{checksum}";
        }

        if (url is null)
        {
            _report.Add(new ImportReportEntry(source.Position, $"qemu source '{source.Name}' has no iso_url: not translated"));
            return null;
        }

        if (Get("disk_image") is "true" or "True")
        {
            var digest = checksum is null ? null : Sha256Digest().Match(checksum);
            var image = new List<(string, object?)> { ("image", IsUrl(url) ? url : RewritePath(url)) };
            if (digest is { Success: true })
            {
                image.Add(("checksum", "sha256:" + digest.Groups[1].Value.ToLowerInvariant()));
            }
            else if (IsUrl(url))
            {
                _report.Add(new ImportReportEntry(at, $"the disk image's checksum '{checksum}' is not translated (Kiln needs sha256:<digest> for a download), so qemu source '{source.Name}' is not translated"));
                return null;
            }

            return image;
        }

        if (ConfigModel.For(typeof(QemuBaseConfig)).Find("iso") is not null)
        {
            return [("iso", new List<(string, object?)> { ("url", url), ("checksum", checksum) })];
        }

        if (DebianRelease().Match(url) is { Success: true } debian && DebianSuites.TryGetValue(debian.Groups[1].Value, out var suite))
        {
            _report.Add(new ImportReportEntry(at, $"the Debian {debian.Groups[1].Value} installer ISO is replaced by Kiln's Debian bootstrap (base.bootstrap.suite: {suite}, from the host's mirror); boot_command, the preseed and installer settings are not used"));
            return [("bootstrap", new List<(string, object?)> { ("suite", suite) })];
        }

        _report.Add(new ImportReportEntry(at, $"the installer ISO {url} is not translated: this Kiln's qemu builder starts from a disk image (base.image) or a Debian bootstrap, so qemu source '{source.Name}' is not translated"));
        return null;
    }

    private static readonly Dictionary<string, string> DebianSuites = new(StringComparer.Ordinal) { ["11"] = "bullseye", ["12"] = "bookworm", ["13"] = "trixie" };

    private List<(string Key, object? Value)>? Plugin(PackerPlugin plugin, Type? configType, PackerScope scope, Dictionary<string, string> sourceNames, string what)
    {
        if (configType is null)
        {
            var known = PackerNames.Find(PackerScope.PluginType, plugin.Type);
            _report.Add(new ImportReportEntry(plugin.Position, $"{what} '{plugin.Type}' is not translated: " + (known?.Hint ?? "Kiln has no such plugin")));
            return null;
        }

        var model = ConfigModel.For(configType);
        var body = new List<(string Key, object? Value)>();
        var download = plugin.Attributes.Any(a => a.Key == "direction" && a.Value is "download");
        foreach (var attribute in plugin.Attributes)
        {
            if (attribute.Key is "only" or "except")
            {
                var names = (attribute.Value as List<object?> ?? []).OfType<string>().ToList();
                var kept = names.Select(n => sourceNames.GetValueOrDefault(n)).OfType<string>().Distinct().ToList();
                if (attribute.Key == "only" && kept.Count == 0)
                {
                    _report.Add(new ImportReportEntry(attribute.Position, $"{what} '{plugin.Type}' runs only on sources that were not translated: left out"));
                    return null;
                }

                if (kept.Count > 0)
                {
                    body.Add((attribute.Key, kept.Select(k => (object?)k).ToList()));
                }

                continue;
            }

            var value = attribute.Key is "environment_vars" or "ansible_env_vars" && attribute.Value is List<object?> pairs
                ? pairs.OfType<string>().Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => (object?)(p.Length > 1 ? p[1] : ""), StringComparer.Ordinal)
                : attribute.Value;
            if (download && attribute.Key == "source")
            {
                body.Add(("source", value));
                continue;
            }

            if (!Add(body, model, attribute with { Value = value }, scope, $"{what} '{plugin.Type}'"))
            {
                // Half a step (a script without its commands) would do something else than the template meant.
                _report.Add(new ImportReportEntry(plugin.Position, $"{what} '{plugin.Type}' is left out: its '{attribute.Key}' could not be translated"));
                return null;
            }
        }

        return [(plugin.Type, body)];
    }

    /// <summary>Writes one attribute under Kiln's name when the plugin has it, otherwise reports it; false when a setting Kiln has got a value it cannot translate.</summary>
    private bool Add(List<(string Key, object? Value)> body, ConfigModel model, PackerAttribute attribute, PackerScope scope, string where)
    {
        if (attribute.Value is null)
        {
            return true;
        }

        var key = attribute.Key;
        if (model.Find(key) is null)
        {
            var known = PackerNames.Find(scope, key);
            if (known?.Kiln is { } kiln && !kiln.Contains('.', StringComparison.Ordinal) && model.Find(kiln) is not null)
            {
                key = kiln;
            }
            else
            {
                _report.Add(new ImportReportEntry(attribute.Position, $"'{attribute.Key}' of {where} is not translated: " + (known?.Hint ?? "Kiln has no such setting")));
                return true;
            }
        }

        var value = Kiln(attribute.Value, out var problem);
        if (problem is not null)
        {
            _report.Add(new ImportReportEntry(attribute.Position, $"'{attribute.Key}' of {where} is not translated: {problem}"));
            return false;
        }

        if (PathKeys.Contains(key))
        {
            value = value switch
            {
                string path => RewritePath(path),
                List<object?> paths => paths.Select(p => p is string s ? RewritePath(s) : p).ToList(),
                _ => value,
            };
        }

        body.Add((key, value));
        return true;
    }

    /// <summary>The value with every string's Go templates in Kiln's syntax; maps become ordered entries for the writer.</summary>
    private static object? Kiln(object? value, out string? problem)
    {
        problem = null;
        switch (value)
        {
            case string text:
                return GoTemplates.Translate(text, out problem);
            case List<object?> list:
            {
                var items = new List<object?>();
                foreach (var item in list)
                {
                    items.Add(Kiln(item, out problem));
                    if (problem is not null)
                    {
                        return null;
                    }
                }

                return items;
            }

            case Dictionary<string, object?> map:
            {
                var entries = new List<(string Key, object? Value)>();
                foreach (var (key, item) in map)
                {
                    entries.Add((key, Kiln(item, out problem)));
                    if (problem is not null)
                    {
                        return null;
                    }
                }

                return entries;
            }

            default:
                return value;
        }
    }

    /// <summary>A JSON template's user variables replaced by their values, for keys the importer has to read itself.</summary>
    private object? Concrete(object? value) => value switch
    {
        string text => UserVariable().Replace(text, m => template.Variables.TryGetValue(m.Groups[1].Value, out var v) ? Convert.ToString(v.Value, CultureInfo.InvariantCulture) ?? "" : m.Value),
        List<object?> list => list.Select(Concrete).ToList(),
        _ => value,
    };

    private List<(string Key, object? Value)> Variables(string text)
    {
        var variables = new List<(string Key, object? Value)>();
        foreach (var name in KilnVariable().Matches(text).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            template.Variables.TryGetValue(name, out var variable);
            var value = variable?.Value is null or List<object?> or Dictionary<string, object?> ? "" : Convert.ToString(variable.Value, CultureInfo.InvariantCulture);
            if (variable?.Value is null)
            {
                _report.Add(new ImportReportEntry(variable?.Position ?? new TemplatePosition(template.Name, 1, 1), $"variable '{name}' has no value in the template or var files; it defaults to \"\" (set it with --var {name}=...)"));
            }

            var entry = new List<(string Key, object? Value)> { ("default", value) };
            if (variable?.Sensitive == true)
            {
                entry.Add(("sensitive", true));
                entry[0] = ("default", "");
            }

            variables.Add((name, entry));
        }

        return variables;
    }

    private string RewritePath(string path)
    {
        if (path.Contains("{{", StringComparison.Ordinal) || IsUrl(path))
        {
            return path;
        }

        var relative = Path.GetRelativePath(outputDirectory, Path.GetFullPath(path, template.Directory)).Replace('\\', '/');
        return path.EndsWith('/') && !relative.EndsWith('/') ? relative + "/" : relative;
    }

    private static bool IsUrl(string text) => Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "ftp" or "s3";

    public static string Name(string text)
    {
        var name = NameCharacters().Replace(Path.GetFileName(text).ToLowerInvariant().Replace(".pkr.hcl", "").Replace(".json", ""), "-").Trim('-', '_');
        return name.Length == 0 ? "imported" : char.IsLetterOrDigit(name[0]) ? name : "i" + name;
    }

    [GeneratedRegex(@"\{\{\s*user\s+`([A-Za-z0-9_]+)`\s*\}\}")]
    private static partial Regex UserVariable();

    [GeneratedRegex(@"\{\{\s*var\.([A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex KilnVariable();

    [GeneratedRegex("^(?:sha256:)?([0-9a-fA-F]{64})$")]
    private static partial Regex Sha256Digest();

    [GeneratedRegex(@"debian-(\d+)[.\d]*-[a-z0-9]+-(?:netinst|DVD|dvd|xfce|cd)")]
    private static partial Regex DebianRelease();

    [GeneratedRegex("[^a-z0-9_-]+")]
    private static partial Regex NameCharacters();
}
