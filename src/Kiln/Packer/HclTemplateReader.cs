using Kiln.Packer.Hcl;

namespace Kiln.Packer;

/// <summary>
/// Reads an HCL2 template (one <c>.pkr.hcl</c> file, or every one in a folder) with its <c>*.pkrvars.hcl</c> files, and
/// evaluates every attribute with the variables' values. What cannot be evaluated becomes a located report entry.
/// </summary>
internal static class HclTemplateReader
{
    public static PackerTemplate Read(IReadOnlyList<string> files, IReadOnlyList<string> varFiles, string name)
    {
        var bodies = files.Select(f => HclParser.Parse(f, File.ReadAllText(f))).ToList();
        var varBodies = varFiles.Select(f => HclParser.Parse(f, File.ReadAllText(f))).ToList();
        var template = new PackerTemplate { Name = name, Directory = Path.GetDirectoryName(files[0])! };
        var constants = new HclEvaluator(new Dictionary<string, object?>(), new Dictionary<string, HclExpression>(), template.Directory);

        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        var sensitive = new HashSet<string>(StringComparer.Ordinal);
        foreach (var block in bodies.SelectMany(b => b.Blocks).Where(b => b.Type == "variable" && b.Labels.Count == 1))
        {
            var variable = block.Labels[0];
            values[variable] = Attribute(block.Body, "default") is { } value ? Try(constants, value, template) : null;
            if (Attribute(block.Body, "sensitive") is { } flag && Try(constants, flag, template) is true)
            {
                sensitive.Add(variable);
            }
        }

        foreach (var attribute in varBodies.SelectMany(b => b.Attributes))
        {
            if (!values.ContainsKey(attribute.Name))
            {
                template.Report.Add(new ImportReportEntry(attribute.Position, $"'{attribute.Name}' is set but no variable declares it (Packer ignores it with a warning)"));
            }

            values[attribute.Name] = Try(constants, attribute.Value, template);
        }

        foreach (var (variable, value) in values)
        {
            template.Variables[variable] = new PackerVariable(variable, value, sensitive.Contains(variable), new TemplatePosition(files[0], 1, 1));
        }

        var locals = new Dictionary<string, HclExpression>(StringComparer.Ordinal);
        foreach (var body in bodies)
        {
            foreach (var block in body.Blocks)
            {
                if (block.Type == "locals")
                {
                    foreach (var attribute in block.Body.Attributes)
                    {
                        locals[attribute.Name] = attribute.Value;
                    }
                }
                else if (block.Type == "local" && block.Labels.Count == 1 && Attribute(block.Body, "expression") is { } expression)
                {
                    locals[block.Labels[0]] = expression;
                }
            }
        }

        var evaluator = new HclEvaluator(values, locals, template.Directory);
        var secrets = sensitive.Where(s => values[s] is string { Length: > 0 }).Select(s => (string)values[s]!).ToList();
        foreach (var block in bodies.SelectMany(b => b.Blocks))
        {
            switch (block.Type)
            {
                case "source" when block.Labels.Count == 2:
                    template.Sources.Add(Plugin(block, block.Labels[0], block.Labels[1], evaluator, template, secrets));
                    break;
                case "build":
                    template.Builds.Add(Build(block, evaluator, template, secrets));
                    break;
                case "variable" or "locals" or "local":
                    break;
                case "packer":
                    template.Report.Add(new ImportReportEntry(block.Position, "the packer block (required_plugins) is not needed: Kiln's plugins are built in"));
                    break;
                default:
                    template.Report.Add(new ImportReportEntry(block.Position, $"block '{block.Type}' is not translated"));
                    break;
            }
        }

        return template;
    }

    private static PackerBuild Build(HclBlock block, HclEvaluator evaluator, PackerTemplate template, List<string> secrets)
    {
        var sources = new List<(string, string)>();
        if (Attribute(block.Body, "sources") is { } list && Try(evaluator, list, template) is List<object?> names)
        {
            sources.AddRange(names.OfType<string>().Select(SourceAddress).OfType<(string, string)>());
        }

        foreach (var inner in block.Body.Blocks.Where(b => b.Type == "source" && b.Labels.Count == 1))
        {
            if (SourceAddress(inner.Labels[0]) is { } address)
            {
                sources.Add(address);
            }

            if (inner.Body.Attributes.Count > 0)
            {
                template.Report.Add(new ImportReportEntry(inner.Position, $"settings a build gives {inner.Labels[0]} are not translated; set them on the source"));
            }
        }

        var provisioners = new List<PackerPlugin>();
        var chains = new List<IReadOnlyList<PackerPlugin>>();
        foreach (var inner in block.Body.Blocks)
        {
            switch (inner.Type)
            {
                case "provisioner" when inner.Labels.Count == 1:
                    provisioners.Add(Plugin(inner, inner.Labels[0], null, evaluator, template, secrets));
                    break;
                case "post-processor" when inner.Labels.Count == 1:
                    chains.Add([Plugin(inner, inner.Labels[0], null, evaluator, template, secrets)]);
                    break;
                case "post-processors":
                    chains.Add([.. inner.Body.Blocks.Where(b => b.Type == "post-processor" && b.Labels.Count == 1)
                        .Select(b => Plugin(b, b.Labels[0], null, evaluator, template, secrets))]);
                    break;
                case "source":
                    break;
                default:
                    template.Report.Add(new ImportReportEntry(inner.Position, $"block '{inner.Type}' in build is not translated"));
                    break;
            }
        }

        var name = Attribute(block.Body, "name") is { } n ? Try(evaluator, n, template) as string : null;
        return new PackerBuild(name, sources, provisioners, chains, block.Position);
    }

    private static (string, string)? SourceAddress(string address)
    {
        var parts = address.Split('.');
        return parts switch
        {
            ["source", var type, var name] => (type, name),
            [var type, var name] => (type, name),
            _ => null,
        };
    }

    private static PackerPlugin Plugin(HclBlock block, string type, string? name, HclEvaluator evaluator, PackerTemplate template, List<string> secrets)
    {
        var attributes = new List<PackerAttribute>();
        foreach (var attribute in block.Body.Attributes)
        {
            if (!TryEvaluate(evaluator, attribute.Value, template, out var value))
            {
                continue;
            }

            if (value is not null && Contains(value, secrets))
            {
                template.Report.Add(new ImportReportEntry(attribute.Position, $"'{attribute.Name}' uses a sensitive variable: not written into the definition; declare a Kiln variable with sensitive: true for it"));
                continue;
            }

            attributes.Add(new PackerAttribute(attribute.Name, value, attribute.Position));
        }

        foreach (var inner in block.Body.Blocks)
        {
            template.Report.Add(new ImportReportEntry(inner.Position, $"nested block '{inner.Type}' in {type} is not translated"));
        }

        return new PackerPlugin(type, name, attributes, block.Position);
    }

    private static bool Contains(object value, List<string> secrets) => value switch
    {
        string s => secrets.Any(secret => s.Contains(secret, StringComparison.Ordinal)),
        List<object?> list => list.Any(i => i is not null && Contains(i, secrets)),
        Dictionary<string, object?> map => map.Values.Any(i => i is not null && Contains(i, secrets)),
        _ => false,
    };

    private static object? Try(HclEvaluator evaluator, HclExpression expression, PackerTemplate template) =>
        TryEvaluate(evaluator, expression, template, out var value) ? value : null;

    private static bool TryEvaluate(HclEvaluator evaluator, HclExpression expression, PackerTemplate template, out object? value)
    {
        try
        {
            value = evaluator.Evaluate(expression);
            return true;
        }
        catch (HclEvaluationException e)
        {
            template.Report.Add(new ImportReportEntry(e.Position, $"not translated: {e.Message}"));
            value = null;
            return false;
        }
    }

    private static HclExpression? Attribute(HclBody body, string name) => body.Attributes.FirstOrDefault(a => a.Name == name)?.Value;
}
