using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kiln.Definitions.Interpolation;
using Kiln.Definitions.Yaml;
using Kiln.Diagnostics;

namespace Kiln.Definitions;

/// <summary>
/// Evaluates <c>{{ ... }}</c> in one definition for one source: variables, locals (lazily, with cycle
/// detection), environment, build values, dependency outputs, git and a few functions. Every problem becomes
/// a diagnostic at the expression's place; a string built from a sensitive value is registered as a secret.
/// </summary>
public sealed class Interpolator
{
    public static readonly IReadOnlyList<string> Roots = ["var", "local", "env", "build", "image", "git", "http"];

    public static readonly IReadOnlyList<string> Functions =
        ["timestamp", "uuid", "lower", "upper", "trim", "replace", "join", "file", "sha256", "default", "sensitive"];

    /// <summary>How long a chain of locals using locals may be; deeper chains would exhaust the stack.</summary>
    public const int MaxLocalDepth = 100;

    private static readonly IReadOnlyList<string> BuildKeys = ["name", "source", "output", "run_id"];
    private static readonly IReadOnlyList<string> GitKeys = ["sha", "short_sha", "branch"];

    private readonly ImageDefinition _definition;
    private readonly IReadOnlyDictionary<string, Value> _variables;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly BuildScope _scope;
    private readonly string _source;
    private readonly Action<string> _registerSecret;
    private readonly List<KilnDiagnostic> _diagnostics;
    private readonly Dictionary<string, LocalDefinition> _locals;
    private readonly Dictionary<string, Value?> _localValues = new(StringComparer.Ordinal);
    private readonly List<string> _evaluating = [];
    private readonly Lazy<GitInfo?> _git;

    public Interpolator(
        ImageDefinition definition,
        IReadOnlyDictionary<string, Value> variables,
        IReadOnlyDictionary<string, string> environment,
        BuildScope scope,
        string source,
        Action<string> registerSecret,
        List<KilnDiagnostic> diagnostics)
    {
        _definition = definition;
        _variables = variables;
        _environment = environment;
        _scope = scope;
        _source = source;
        _registerSecret = registerSecret;
        _diagnostics = diagnostics;
        _locals = definition.Locals.ToDictionary(l => l.Name, StringComparer.Ordinal);
        _git = new Lazy<GitInfo?>(() => GitInfo.Find(definition.Directory));
    }

    /// <summary>The directory of the definition being interpolated; relative paths in it start here.</summary>
    public string DefinitionDirectory => _definition.Directory;

    public bool ChecksLocalPaths => _scope.ChecksLocalPaths;

    /// <summary>The value of a scalar: itself when it holds no expression, the expression's own value (list, number, ...) when it is exactly one, else the joined text.</summary>
    public Value? Interpolate(YamlScalar scalar)
    {
        if (!TemplateParser.HasExpressions(scalar.Value))
        {
            return new TextValue(scalar.Value);
        }

        IReadOnlyList<TemplatePart> parts;
        try
        {
            parts = TemplateParser.Parse(scalar.Value);
        }
        catch (TemplateSyntaxException e)
        {
            Report(scalar, e.Offset, $"invalid expression in '{YamlReader.Shorten(scalar.Value)}': {e.Message}", PackerNames.ExpressionHint(scalar.Value) ?? e.Hint);
            return null;
        }

        try
        {
            if (parts is [ExpressionPart single])
            {
                var value = Evaluate(single.Expression);
                if (value.Sensitive && value is TextValue text)
                {
                    _registerSecret(text.Text);
                }

                return value;
            }

            var builder = new StringBuilder();
            bool sensitive = false, symbolic = false;
            foreach (var part in parts)
            {
                if (part is TextPart literal)
                {
                    builder.Append(literal.Text);
                    continue;
                }

                var expression = ((ExpressionPart)part).Expression;
                var value = Evaluate(expression);
                if (value is ListValue or MapValue)
                {
                    throw new EvaluationException($"a {value.TypeName} cannot be part of a string", expression.Offset,
                        "Use the value alone as \"{{ ... }}\", or join(list, \", \") for a list.");
                }

                builder.Append(value.ToText());
                sensitive |= value.Sensitive;
                symbolic |= value.Symbolic;
            }

            var result = builder.ToString();
            if (sensitive)
            {
                _registerSecret(result);
            }

            return new TextValue(result) { Sensitive = sensitive, Symbolic = symbolic };
        }
        catch (EvaluationException e)
        {
            Report(scalar, e.Offset, e.Message, PackerNames.ExpressionHint(scalar.Value) ?? e.Hint);
            return null;
        }
        catch (AlreadyReportedException)
        {
            return null;
        }
    }

    /// <summary>A whole YAML value (for locals): scalars interpolated, lists and mappings converted element by element.</summary>
    public Value? Evaluate(YamlNode node)
    {
        switch (node)
        {
            case YamlScalar scalar:
                return Interpolate(scalar);
            case YamlList list:
            {
                var items = list.Items.Select(Evaluate).ToList();
                return items.Any(i => i is null) ? null : new ListValue(items!) { Sensitive = items.Any(i => i!.Sensitive) };
            }

            case YamlMap map:
            {
                var entries = map.Entries.ToDictionary(e => e.Key.Value, e => Evaluate(e.Value), StringComparer.Ordinal);
                return entries.Values.Any(v => v is null)
                    ? null
                    : new MapValue(entries!) { Sensitive = entries.Values.Any(v => v!.Sensitive) };
            }

            default:
                return null;
        }
    }

    /// <summary>Evaluates every local, so one nobody uses yet is still checked.</summary>
    public void EvaluateAllLocals()
    {
        foreach (var local in _definition.Locals)
        {
            try
            {
                Local(local.Name, 0);
            }
            catch (AlreadyReportedException)
            {
            }
        }
    }

    private Value Evaluate(Expression expression) => expression switch
    {
        LiteralExpression literal => literal.Value,
        ReferenceExpression reference => Resolve(reference),
        CallExpression call => Call(call),
        _ => throw new EvaluationException("unsupported expression", expression.Offset),
    };

    private Value Resolve(ReferenceExpression reference)
    {
        var path = reference.Path;
        var offset = reference.Offset;
        switch (path[0])
        {
            case "var":
                if (!_variables.TryGetValue(path[1], out var variable))
                {
                    if (_definition.Variables.Any(v => v.Name == path[1]))
                    {
                        // Declared, but its value failed to load: that problem is reported where the value was given.
                        throw new AlreadyReportedException();
                    }

                    throw new EvaluationException($"unknown variable 'var.{path[1]}'", offset,
                        Suggestions.Hint(path[1], [.. _definition.Variables.Select(v => v.Name)], "variables"));
                }

                return Index(variable, path, 2, offset);

            case "local":
                if (!_locals.ContainsKey(path[1]))
                {
                    throw new EvaluationException($"unknown local 'local.{path[1]}'", offset,
                        Suggestions.Hint(path[1], _locals.Keys, "locals"));
                }

                return Index(Local(path[1], offset), path, 2, offset);

            case "env":
                Expect(reference, 2);
                return _environment.TryGetValue(path[1], out var env)
                    ? new TextValue(env)
                    : throw new EvaluationException($"the environment variable '{path[1]}' is not set", offset,
                        $"Set it, or give a fallback: {{{{ default(env.{path[1]}, \"...\") }}}}.")
                    { Unset = true };

            case "build":
                Expect(reference, 2);
                return path[1] switch
                {
                    "name" => new TextValue(_definition.Name),
                    "source" => new TextValue(_source),
                    "output" => new TextValue(_scope.OutputDirectory(_source)) { Symbolic = _scope.IsSymbolic },
                    "run_id" => new TextValue(_scope.RunId) { Symbolic = _scope.IsSymbolic },
                    _ => throw new EvaluationException($"unknown build value 'build.{path[1]}'", offset, Suggestions.Hint(path[1], BuildKeys, "build values")),
                };

            case "image":
                return DependencyOutput(reference);

            case "http":
                Expect(reference, 2);
                return path[1] switch
                {
                    "ip" => new TextValue(HttpPlaceholders.Ip),
                    "port" => new TextValue(HttpPlaceholders.Port),
                    _ => throw new EvaluationException($"unknown HTTP server value 'http.{path[1]}'", offset, Suggestions.Hint(path[1], HttpPlaceholders.Keys, "HTTP server values")),
                };

            case "git":
                Expect(reference, 2);
                var git = _git.Value;
                var value = path[1] switch
                {
                    "sha" => git?.Sha,
                    "short_sha" => git?.Sha?[..Math.Min(12, git.Sha.Length)],
                    "branch" => git?.Branch,
                    _ => throw new EvaluationException($"unknown git value 'git.{path[1]}'", offset, Suggestions.Hint(path[1], GitKeys, "git values")),
                };
                return value is null
                    ? throw new EvaluationException($"'git.{path[1]}' is not available: the definition is not in a git repository or HEAD is detached", offset)
                    : new TextValue(value);

            default:
                var known = Roots.Concat(Functions).ToList();
                throw new EvaluationException($"unknown reference '{reference}'", offset, Suggestions.Hint(path[0], known, "names"));
        }
    }

    private Value DependencyOutput(ReferenceExpression reference)
    {
        var path = reference.Path;
        if (path.Count != 4 || path[2] != "artifact")
        {
            throw new EvaluationException($"'{reference}' is not a dependency output", reference.Offset,
                "Dependency outputs are written image.<name>.artifact.<key>, e.g. image.base.artifact.qcow2.");
        }

        var image = path[1];
        if (!_definition.DependsOn.Any(d => d.Name == image))
        {
            throw new EvaluationException($"'{reference}' refers to image '{image}', which this definition does not depend on", reference.Offset,
                $"Add it: depends_on: [{string.Join(", ", _definition.DependsOn.Select(d => d.Name).Append(image))}].");
        }

        if (_scope.IsSymbolic)
        {
            // During validation a dependency's artifacts, when known, hold the outputs its builders declare.
            if (_scope.Dependencies.TryGetValue(image, out var declared) && !declared.Any(a => a.Outputs.ContainsKey(path[3])))
            {
                var known = declared.SelectMany(a => a.Outputs.Keys).Distinct().ToList();
                throw new EvaluationException($"image '{image}' has no output '{path[3]}' (it declares {string.Join(", ", known)})", reference.Offset,
                    Suggestions.Hint(path[3], known, "outputs"));
            }

            return new TextValue($"<{reference}>") { Symbolic = true };
        }

        if (!_scope.Dependencies.TryGetValue(image, out var artifacts))
        {
            throw new EvaluationException($"image '{image}' has not been built in this run, so '{reference}' has no value", reference.Offset);
        }

        foreach (var artifact in artifacts)
        {
            if (artifact.Outputs.TryGetValue(path[3], out var output))
            {
                return new TextValue(output);
            }
        }

        var keys = artifacts.SelectMany(a => a.Outputs.Keys).Distinct().ToList();
        throw new EvaluationException($"image '{image}' has no output '{path[3]}'", reference.Offset, Suggestions.Hint(path[3], keys, "outputs"));
    }

    private static void Expect(ReferenceExpression reference, int length)
    {
        if (reference.Path.Count != length)
        {
            throw new EvaluationException($"'{reference}' has too many parts", reference.Offset, $"Write {reference.Path[0]}.<name>.");
        }
    }

    private static Value Index(Value value, IReadOnlyList<string> path, int from, int offset)
    {
        for (var i = from; i < path.Count; i++)
        {
            var key = path[i];
            value = value switch
            {
                MapValue map when map.Entries.TryGetValue(key, out var entry) => entry with { Sensitive = entry.Sensitive || map.Sensitive },
                MapValue map => throw new EvaluationException($"'{string.Join('.', path.Take(i))}' has no key '{key}'", offset, Suggestions.Hint(key, [.. map.Entries.Keys], "keys")),
                ListValue list when int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < list.Items.Count =>
                    list.Items[index] with { Sensitive = list.Items[index].Sensitive || list.Sensitive },
                ListValue list => throw new EvaluationException($"'{string.Join('.', path.Take(i))}' has no item '{key}' (it has {list.Items.Count})", offset),
                _ => throw new EvaluationException($"'{string.Join('.', path.Take(i))}' is a {value.TypeName}; it has no '{key}'", offset),
            };
        }

        return value;
    }

    private Value Local(string name, int offset)
    {
        if (_localValues.TryGetValue(name, out var cached))
        {
            return cached ?? throw new AlreadyReportedException();
        }

        if (_evaluating.Count >= MaxLocalDepth)
        {
            throw new EvaluationException($"locals refer to each other more than {MaxLocalDepth} levels deep", offset,
                "Flatten the chain of locals.");
        }

        if (_evaluating.Contains(name))
        {
            var cycle = _evaluating.SkipWhile(n => n != name).Append(name);
            throw new EvaluationException($"locals refer to each other in a cycle: {string.Join(" -> ", cycle)}", offset,
                "Break the cycle: one of these locals must not depend on the others.");
        }

        _evaluating.Add(name);
        try
        {
            var value = Evaluate(_locals[name].Value);
            _localValues[name] = value;
            return value ?? throw new AlreadyReportedException();
        }
        finally
        {
            _evaluating.RemoveAt(_evaluating.Count - 1);
        }
    }

    private Value Call(CallExpression call)
    {
        var args = call.Function == "default" ? [] : call.Arguments.Select(Evaluate).ToList();
        var sensitive = args.Any(a => a.Sensitive);
        var symbolic = args.Any(a => a.Symbolic);
        Value result = call.Function switch
        {
            "timestamp" => Arity(call, args, 0, () => new TextValue(_scope.Timestamp.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture))),
            "uuid" => Arity(call, args, 0, () => new TextValue(_scope.NewUuid().ToString())),
            "lower" => Arity(call, args, 1, () => new TextValue(Text(call, args[0]).ToLowerInvariant())),
            "upper" => Arity(call, args, 1, () => new TextValue(Text(call, args[0]).ToUpperInvariant())),
            "trim" => Arity(call, args, 1, () => new TextValue(Text(call, args[0]).Trim())),
            "replace" => Arity(call, args, 3, () => Replace(call, args)),
            "join" => Arity(call, args, 2, () => args[0] is ListValue list
                ? new TextValue(string.Join(Text(call, args[1]), list.Items.Select(i => i.ToText()))) { Sensitive = list.Items.Any(i => i.Sensitive) }
                : throw new EvaluationException($"join() takes a list first, not a {args[0].TypeName}", call.Offset)),
            "file" => Arity(call, args, 1, () => ReadFile(call, args[0])),
            "sha256" => Arity(call, args, 1, () => new TextValue(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Text(call, args[0])))))),
            "default" => Default(call),
            "sensitive" => Arity(call, args, 1, () => args[0] with { Sensitive = true }),
            _ => throw new EvaluationException($"unknown function '{call.Function}'", call.Offset,
                Suggestions.Hint(call.Function, [.. Functions, .. Roots.Select(r => r + ".<name>")], "functions")),
        };

        return result with { Sensitive = result.Sensitive || sensitive, Symbolic = result.Symbolic || symbolic };
    }

    private Value Default(CallExpression call)
    {
        if (call.Arguments.Count != 2)
        {
            throw new EvaluationException($"default() takes 2 arguments, not {call.Arguments.Count}", call.Offset, "Write default(env.NAME, \"fallback\").");
        }

        try
        {
            return Evaluate(call.Arguments[0]);
        }
        catch (EvaluationException e) when (e.Unset)
        {
            return Evaluate(call.Arguments[1]);
        }
    }

    private static Value Replace(CallExpression call, List<Value> args)
    {
        var old = Text(call, args[1]);
        return old.Length == 0
            ? throw new EvaluationException("replace() cannot replace an empty string", call.Offset)
            : new TextValue(Text(call, args[0]).Replace(old, Text(call, args[2]), StringComparison.Ordinal));
    }

    private TextValue ReadFile(CallExpression call, Value path)
    {
        var full = DefinitionPaths.Resolve(_definition.FilePath, Text(call, path));
        try
        {
            return new TextValue(File.ReadAllText(full));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new EvaluationException($"file() cannot read '{full}': {e.Message}", call.Offset, "Paths are relative to the definition's directory.");
        }
    }

    private static string Text(CallExpression call, Value value) =>
        value is ListValue or MapValue
            ? throw new EvaluationException($"{call.Function}() takes a string, not a {value.TypeName}", call.Offset)
            : value.ToText();

    private static Value Arity(CallExpression call, List<Value> args, int count, Func<Value> body) =>
        args.Count == count
            ? body()
            : throw new EvaluationException($"{call.Function}() takes {count} argument{(count == 1 ? "" : "s")}, not {args.Count}", call.Offset);

    private void Report(YamlScalar scalar, int offset, string message, string? hint) =>
        _diagnostics.Add(new KilnDiagnostic(LocationIn(scalar, offset), message, hint));

    /// <summary>The place of a character of a scalar's value in the file: exact for one-line scalars, the right line for block scalars.</summary>
    public static SourceLocation LocationIn(YamlScalar scalar, int offset)
    {
        var start = scalar.Location;
        var value = scalar.Value;
        offset = Math.Clamp(offset, 0, value.Length);
        var newlines = value.AsSpan(0, offset).Count('\n');
        return scalar.Style switch
        {
            YamlScalarStyle.Block => start with { Line = start.Line + 1 + newlines },
            _ when newlines > 0 || value.Contains('\n', StringComparison.Ordinal) => start,
            YamlScalarStyle.Quoted => start with { Column = start.Column + 1 + offset },
            _ => start with { Column = start.Column + offset },
        };
    }

    private sealed class EvaluationException(string message, int offset, string? hint = null) : Exception(message)
    {
        public int Offset { get; } = offset;

        public string? Hint { get; } = hint;

        /// <summary>The value is merely missing (an unset environment variable), so default() may stand in.</summary>
        public bool Unset { get; init; }
    }

    private sealed class AlreadyReportedException : Exception;
}
