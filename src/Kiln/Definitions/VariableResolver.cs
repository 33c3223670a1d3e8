using System.Text.RegularExpressions;
using Kiln.Definitions.Yaml;
using Kiln.Diagnostics;

namespace Kiln.Definitions;

/// <summary>
/// Gives every variable of every definition its value, layer by layer (defaults, <c>*.auto.vars.yaml</c>,
/// var files, <c>KILN_VAR_*</c>, <c>--var</c>), converts it to the declared type, checks its validation rules,
/// and registers sensitive values with the redactor the moment they are read.
/// </summary>
internal sealed class VariableResolver(VariableInputs inputs, IReadOnlyDictionary<string, string> environment, Action<string> registerSecret, List<KilnDiagnostic> diagnostics)
{
    private readonly Dictionary<string, YamlMap?> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<string>> _autoVarFiles = new(StringComparer.Ordinal);

    public Dictionary<string, Dictionary<string, Value>> Resolve(IReadOnlyList<ImageDefinition> definitions)
    {
        var allNames = definitions.SelectMany(d => d.Variables).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        var varFiles = inputs.VarFiles.Select(f => (Path: Path.GetFullPath(f), Map: ReadFile(Path.GetFullPath(f), allNames))).ToList();
        var cliVars = ParseCommandLine(allNames);
        foreach (var directory in definitions.Select(d => d.Directory).Distinct())
        {
            var declared = definitions.Where(d => d.Directory == directory).SelectMany(d => d.Variables).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var file in AutoVarFiles(directory))
            {
                ReadFile(file, declared);
            }
        }

        var result = new Dictionary<string, Dictionary<string, Value>>(StringComparer.Ordinal);
        foreach (var definition in definitions)
        {
            var autoFiles = AutoVarFiles(definition.Directory).Select(f => _files[f]).OfType<YamlMap>().ToList();
            var values = new Dictionary<string, Value>(StringComparer.Ordinal);
            foreach (var variable in definition.Variables)
            {
                var value = ValueOf(variable, autoFiles, varFiles.Select(f => f.Map).OfType<YamlMap>(), cliVars);
                if (value is not null)
                {
                    values[variable.Name] = value;
                }
            }

            result[definition.Name] = values;
        }

        return result;
    }

    private Value? ValueOf(VariableDefinition variable, List<YamlMap> autoFiles, IEnumerable<YamlMap> varFiles, List<(string Name, string Text, SourceLocation Location)> cliVars)
    {
        Value? value = null;
        SourceLocation? from = null;
        var failed = false;

        void Take(Value? candidate, SourceLocation location)
        {
            if (candidate is null)
            {
                failed = true;
                return;
            }

            value = candidate;
            from = location;
        }

        if (variable.Default is { } defaultNode)
        {
            Take(FromNode(variable, defaultNode), defaultNode.Location);
        }

        foreach (var file in autoFiles.Concat(varFiles))
        {
            if (file[variable.Name] is { } node)
            {
                Take(FromNode(variable, node), node.Location);
            }
        }

        if (environment.TryGetValue(VariableInputs.EnvironmentPrefix + variable.Name, out var envText))
        {
            var location = new SourceLocation($"env:{VariableInputs.EnvironmentPrefix}{variable.Name}", 1, 1);
            Take(FromText(variable, envText, location), location);
        }

        foreach (var (name, text, location) in cliVars.Where(v => v.Name == variable.Name))
        {
            Take(FromText(variable, text, location), location);
        }

        if (failed)
        {
            return null;
        }

        if (value is null || from is null)
        {
            diagnostics.Add(new KilnDiagnostic(variable.Location, $"variable '{variable.Name}' has no value",
                $"Give it a default, or set it with --var {variable.Name}=..., {VariableInputs.EnvironmentPrefix}{variable.Name}, or a var file."));
            return null;
        }

        return Check(variable, value, from) ? value : null;
    }

    private bool Check(VariableDefinition variable, Value value, SourceLocation from)
    {
        if (variable.Validation is not { } rules)
        {
            return true;
        }

        string? broken = null;
        if (value is NumberValue number)
        {
            if (rules.Min is { } min && number.Number < min)
            {
                broken = $"must be at least {min}";
            }
            else if (rules.Max is { } max && number.Number > max)
            {
                broken = $"must be at most {max}";
            }
        }

        if (broken is null && rules.Pattern is { } pattern && value is TextValue text)
        {
            try
            {
                if (!Regex.IsMatch(text.Text, $"^(?:{pattern})$", RegexOptions.None, TimeSpan.FromSeconds(1)))
                {
                    broken = $"must match the pattern {pattern}";
                }
            }
            catch (RegexMatchTimeoutException)
            {
                broken = $"could not be checked against the pattern {pattern} in time";
            }
        }

        if (broken is null && rules.Allowed.Count > 0 && value is TextValue or NumberValue or BoolValue && !rules.Allowed.Contains(value.ToText()))
        {
            broken = $"must be one of {string.Join(", ", rules.Allowed)}";
        }

        if (broken is null)
        {
            return true;
        }

        var shown = variable.Sensitive ? "" : $" (it is '{YamlReader.Shorten(value.ToText())}')";
        diagnostics.Add(new KilnDiagnostic(from, rules.ErrorMessage ?? $"variable '{variable.Name}' {broken}{shown}",
            rules.ErrorMessage is null ? variable.Description : $"variable '{variable.Name}' {broken}{shown}"));
        return false;
    }

    private Value? FromText(VariableDefinition variable, string text, SourceLocation location)
    {
        if (variable.Type is VariableType.List or VariableType.Map)
        {
            var local = new List<KilnDiagnostic>();
            var node = YamlReader.Read(location.File, text, local);
            if (node is null)
            {
                diagnostics.Add(new KilnDiagnostic(location, $"the value of variable '{variable.Name}' is not a valid {Describe(variable.Type)}",
                    variable.Type == VariableType.List ? "Write a list as [a, b, c]." : "Write a map as {key: value, other: value}."));
                return null;
            }

            return FromNode(variable, node, location);
        }

        return FromNode(variable, new YamlScalar(text, YamlScalarStyle.Quoted, location), location);
    }

    private Value? FromNode(VariableDefinition variable, YamlNode node, SourceLocation? location = null)
    {
        var value = Convert(variable.Type, node);
        if (value is null)
        {
            var shown = variable.Sensitive || node is not YamlScalar scalar ? node.Describe() : $"'{YamlReader.Shorten(scalar.Value)}'";
            diagnostics.Add(new KilnDiagnostic(location ?? node.Location,
                $"variable '{variable.Name}' is a {Describe(variable.Type)}, but this value is {shown}",
                variable.Type switch
                {
                    VariableType.Bool => "Write true or false.",
                    VariableType.Number => "Write a number such as 2 or 1.5.",
                    VariableType.List => "Write a list such as [a, b].",
                    VariableType.Map => "Write a mapping such as { key: value }.",
                    _ => "Quote the value.",
                }));
            return null;
        }

        if (variable.Sensitive)
        {
            value = MarkSensitive(value);
        }

        return value;
    }

    private Value MarkSensitive(Value value)
    {
        switch (value)
        {
            case ListValue list:
                return new ListValue([.. list.Items.Select(MarkSensitive)]) { Sensitive = true };
            case MapValue map:
                return new MapValue(map.Entries.ToDictionary(e => e.Key, e => MarkSensitive(e.Value), StringComparer.Ordinal)) { Sensitive = true };
            default:
                registerSecret(value.ToText());
                return value with { Sensitive = true };
        }
    }

    private static Value? Convert(VariableType type, YamlNode node) => type switch
    {
        VariableType.String when node is YamlScalar { IsNull: false } s => new TextValue(s.Value),
        VariableType.Number when node is YamlScalar s && ScalarConversions.TryNumber(s.Value, out var n) => new NumberValue(n),
        VariableType.Bool when node is YamlScalar s && ScalarConversions.TryBool(s.Value, out var b) => new BoolValue(b),
        VariableType.List when node is YamlList l => Untyped(l),
        VariableType.Map when node is YamlMap m => Untyped(m),
        _ => null,
    };

    private static Value Untyped(YamlNode node) => node switch
    {
        YamlList list => new ListValue([.. list.Items.Select(Untyped)]),
        YamlMap map => new MapValue(map.Entries.ToDictionary(e => e.Key.Value, e => Untyped(e.Value), StringComparer.Ordinal)),
        YamlScalar { IsNull: true } => new TextValue(""),
        YamlScalar scalar => new TextValue(scalar.Value),
        _ => new TextValue(""),
    };

    private static string Describe(VariableType type) => type.ToString().ToLowerInvariant();

    private IReadOnlyList<string> AutoVarFiles(string directory)
    {
        if (!_autoVarFiles.TryGetValue(directory, out var files))
        {
            files = Directory.Exists(directory)
                ? [.. Directory.EnumerateFiles(directory, "*" + VariableInputs.AutoVarsSuffix).Order(StringComparer.Ordinal)]
                : [];
            _autoVarFiles[directory] = files;
        }

        return files;
    }

    private YamlMap? ReadFile(string path, IReadOnlySet<string> declared)
    {
        if (_files.TryGetValue(path, out var cached))
        {
            return cached;
        }

        YamlMap? map = null;
        string? text = null;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Add(new KilnDiagnostic(new SourceLocation(path, 1, 1), $"cannot read the variable file: {e.Message}"));
        }

        var node = text is null ? null : YamlReader.Read(path, text, diagnostics);
        if (node is YamlMap m)
        {
            map = m;
            foreach (var key in m.Entries.Select(e => e.Key).Where(k => !declared.Contains(k.Value)))
            {
                diagnostics.Add(new KilnDiagnostic(key.Location, $"unknown variable '{YamlReader.Shorten(key.Value)}'",
                    Suggestions.Hint(key.Value, [.. declared], "variables")));
            }
        }
        else if (node is not null and not YamlScalar { IsNull: true })
        {
            diagnostics.Add(new KilnDiagnostic(node.Location, $"a variable file must be a mapping of names to values, but this is {node.Describe()}",
                "Write one `name: value` per line."));
        }

        _files[path] = map;
        return map;
    }

    private List<(string Name, string Text, SourceLocation Location)> ParseCommandLine(IReadOnlySet<string> declared)
    {
        var vars = new List<(string, string, SourceLocation)>();
        for (var i = 0; i < inputs.Vars.Count; i++)
        {
            var argument = inputs.Vars[i];
            var location = new SourceLocation($"--var[{i + 1}]", 1, 1);
            var equals = argument.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                diagnostics.Add(new KilnDiagnostic(location, "this --var is not name=value", "Write --var name=value."));
                continue;
            }

            var name = argument[..equals];
            if (!declared.Contains(name))
            {
                diagnostics.Add(new KilnDiagnostic(location, $"unknown variable '{YamlReader.Shorten(name)}'", Suggestions.Hint(name, [.. declared], "variables")));
                continue;
            }

            vars.Add((name, argument[(equals + 1)..], location with { Column = equals + 2 }));
        }

        return vars;
    }
}
