using System.Globalization;
using System.Text;

namespace Kiln.Packer.Hcl;

/// <summary>An expression the importer cannot evaluate, with the reason, at its place.</summary>
internal sealed class HclEvaluationException(string message, TemplatePosition position) : Exception(message)
{
    public TemplatePosition Position { get; } = position;
}

/// <summary>
/// Evaluates HCL expressions with the template's variable values (defaults, then <c>*.pkrvars.hcl</c>) and its locals.
/// Values are string, double, bool, null, <see cref="List{T}"/> and <see cref="Dictionary{TKey,TValue}"/>. Packer's
/// Go-template text inside strings (<c>{{ .HTTPIP }}</c>) is left for <see cref="GoTemplates"/>.
/// </summary>
internal sealed class HclEvaluator(
    IReadOnlyDictionary<string, object?> variables,
    IReadOnlyDictionary<string, HclExpression> locals,
    string pathRoot)
{
    private readonly Dictionary<string, object?> _localValues = new(StringComparer.Ordinal);
    private readonly HashSet<string> _evaluating = new(StringComparer.Ordinal);

    public object? Evaluate(HclExpression expression) => Evaluate(expression, new Dictionary<string, object?>(StringComparer.Ordinal));

    private object? Evaluate(HclExpression expression, Dictionary<string, object?> scope)
    {
        switch (expression)
        {
            case HclLiteral literal:
                return literal.Value;
            case HclTemplate template:
            {
                if (template.Parts is [HclExpression only])
                {
                    return Evaluate(only, scope);
                }

                var text = new StringBuilder();
                foreach (var part in template.Parts)
                {
                    text.Append(part is string s ? s : Text(Evaluate((HclExpression)part, scope), (HclExpression)part));
                }

                return text.ToString();
            }

            case HclTuple tuple:
                return tuple.Items.Select(i => Evaluate(i, scope)).ToList();
            case HclObject obj:
            {
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, value) in obj.Items)
                {
                    map[Text(Evaluate(key, scope), key)] = Evaluate(value, scope);
                }

                return map;
            }

            case HclTraversal traversal:
                return Traverse(traversal, scope);
            case HclCall call:
                return Call(call, [.. call.Arguments.Select(a => Evaluate(a, scope))]);
            case HclUnary { Operator: "!" } not:
                return !Bool(Evaluate(not.Operand, scope), not);
            case HclUnary negative:
                return -Number(Evaluate(negative.Operand, scope), negative);
            case HclBinary binary:
                return Binary(binary, scope);
            case HclConditional conditional:
                return Bool(Evaluate(conditional.Condition, scope), conditional.Condition)
                    ? Evaluate(conditional.Then, scope)
                    : Evaluate(conditional.Else, scope);
            case HclFor loop:
                return For(loop, scope);
            case HclUnsupported unsupported:
                throw new HclEvaluationException($"{unsupported.What} is not translated", unsupported.Position);
            default:
                throw new HclEvaluationException("this expression is not translated", expression.Position);
        }
    }

    private object? Traverse(HclTraversal traversal, Dictionary<string, object?> scope)
    {
        object? value;
        var steps = traversal.Steps;
        switch (traversal.Root)
        {
            case var name when scope.TryGetValue(name, out var bound):
                value = bound;
                break;
            case "var" when steps is [string variable, ..]:
                value = variables.TryGetValue(variable, out var v) ? v
                    : throw new HclEvaluationException($"var.{variable} is not declared", traversal.Position);
                steps = steps.Skip(1).ToList();
                break;
            case "local" when steps is [string local, ..]:
                value = Local(local, traversal.Position);
                steps = steps.Skip(1).ToList();
                break;
            case "path" when steps is ["root" or "cwd", ..]:
                value = pathRoot;
                steps = steps.Skip(1).ToList();
                break;
            default:
                throw new HclEvaluationException($"'{traversal.Root}{string.Concat(steps.OfType<string>().Select(s => "." + s))}' is not translated", traversal.Position);
        }

        foreach (var step in steps)
        {
            value = (value, step is string name ? name : Evaluate((HclExpression)step, scope)) switch
            {
                (Dictionary<string, object?> map, string key) when map.TryGetValue(key, out var item) => item,
                (List<object?> list, double index) when index >= 0 && index < list.Count => list[(int)index],
                _ => throw new HclEvaluationException($"'{step}' is not found in the value", traversal.Position),
            };
        }

        return value;
    }

    private object? Local(string name, TemplatePosition position)
    {
        if (_localValues.TryGetValue(name, out var cached))
        {
            return cached;
        }

        if (!locals.TryGetValue(name, out var expression))
        {
            throw new HclEvaluationException($"local.{name} is not declared", position);
        }

        if (!_evaluating.Add(name))
        {
            throw new HclEvaluationException($"local.{name} refers to itself", position);
        }

        try
        {
            return _localValues[name] = Evaluate(expression);
        }
        finally
        {
            _evaluating.Remove(name);
        }
    }

    private object? Binary(HclBinary binary, Dictionary<string, object?> scope)
    {
        if (binary.Operator is "&&" or "||")
        {
            var left = Bool(Evaluate(binary.Left, scope), binary.Left);
            return binary.Operator == "&&" ? left && Bool(Evaluate(binary.Right, scope), binary.Right) : left || Bool(Evaluate(binary.Right, scope), binary.Right);
        }

        var a = Evaluate(binary.Left, scope);
        var b = Evaluate(binary.Right, scope);
        return binary.Operator switch
        {
            "==" => Equal(a, b),
            "!=" => !Equal(a, b),
            "<" => Number(a, binary.Left) < Number(b, binary.Right),
            ">" => Number(a, binary.Left) > Number(b, binary.Right),
            "<=" => Number(a, binary.Left) <= Number(b, binary.Right),
            ">=" => Number(a, binary.Left) >= Number(b, binary.Right),
            "+" => Number(a, binary.Left) + Number(b, binary.Right),
            "-" => Number(a, binary.Left) - Number(b, binary.Right),
            "*" => Number(a, binary.Left) * Number(b, binary.Right),
            "/" => Number(a, binary.Left) / Number(b, binary.Right),
            "%" => Number(a, binary.Left) % Number(b, binary.Right),
            _ => throw new HclEvaluationException($"operator {binary.Operator} is not translated", binary.Position),
        };
    }

    private static bool Equal(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(p => Equal(p.First, p.Second)),
        _ => a.Equals(b),
    };

    private object? For(HclFor loop, Dictionary<string, object?> scope)
    {
        var collection = Evaluate(loop.Collection, scope);
        IEnumerable<(object? Key, object? Value)> items = collection switch
        {
            List<object?> list => list.Select((v, i) => ((object?)(double)i, v)),
            Dictionary<string, object?> map => map.Select(e => ((object?)e.Key, e.Value)),
            _ => throw new HclEvaluationException("a for expression needs a list or a map", loop.Collection.Position),
        };
        var resultList = new List<object?>();
        var resultMap = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in items)
        {
            var inner = new Dictionary<string, object?>(scope, StringComparer.Ordinal) { [loop.ValueName] = value };
            if (loop.KeyName is { } keyName)
            {
                inner[keyName] = key;
            }

            if (loop.Condition is { } condition && !Bool(Evaluate(condition, inner), condition))
            {
                continue;
            }

            if (loop.KeyResult is { } keyResult)
            {
                resultMap[Text(Evaluate(keyResult, inner), keyResult)] = Evaluate(loop.Result, inner);
            }
            else
            {
                resultList.Add(Evaluate(loop.Result, inner));
            }
        }

        return loop.KeyResult is null ? resultList : resultMap;
    }

    private static object? Call(HclCall call, List<object?> a)
    {
        string S(int i) => Text(a[i], call);
        List<object?> L(int i) => a[i] as List<object?> ?? throw new HclEvaluationException($"{call.Function}() takes a list", call.Position);
        return (call.Function, a.Count) switch
        {
            ("lower", 1) => S(0).ToLowerInvariant(),
            ("upper", 1) => S(0).ToUpperInvariant(),
            ("trimspace", 1) => S(0).Trim(),
            ("trimprefix", 2) => S(0).StartsWith(S(1), StringComparison.Ordinal) ? S(0)[S(1).Length..] : S(0),
            ("trimsuffix", 2) => S(0).EndsWith(S(1), StringComparison.Ordinal) ? S(0)[..^S(1).Length] : S(0),
            ("replace", 3) => S(0).Replace(S(1), S(2), StringComparison.Ordinal),
            ("join", 2) => string.Join(S(0), L(1).Select(x => Text(x, call))),
            ("split", 2) => S(1).Split(S(0)).Select(x => (object?)x).ToList(),
            ("concat", _) => a.SelectMany(x => x as List<object?> ?? throw new HclEvaluationException("concat() takes lists", call.Position)).ToList(),
            ("contains", 2) => L(0).Any(x => Equal(x, a[1])),
            ("length", 1) => (double)(a[0] switch { List<object?> l => l.Count, Dictionary<string, object?> m => m.Count, _ => S(0).Length }),
            ("coalesce", _) => a.FirstOrDefault(x => x is not null and not ""),
            ("element", 2) => L(0)[(int)Number(a[1], call) % L(0).Count],
            ("lookup", 2 or 3) => a[0] is Dictionary<string, object?> m && m.TryGetValue(S(1), out var found) ? found
                : a.Count == 3 ? a[2] : throw new HclEvaluationException($"lookup() found no key '{S(1)}'", call.Position),
            ("merge", _) => a.OfType<Dictionary<string, object?>>().SelectMany(m => m).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal),
            ("tostring", 1) => S(0),
            ("tonumber", 1) => Number(a[0], call),
            ("tolist" or "toset", 1) => L(0),
            ("format", _) => Format(S(0), a.Skip(1).ToList(), call),
            ("env", 1) => $"{{{{ default(env.{S(0)}, \"\") }}}}", // Packer's env() is "" when unset
            ("sha256", 1) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(S(0)))),
            ("timestamp", 0) => "{{ timestamp }}",
            ("uuidv4", 0) => "{{ uuid() }}",
            _ => throw new HclEvaluationException($"function {call.Function}() with {a.Count} argument(s) is not translated", call.Position),
        };
    }

    private static string Format(string format, List<object?> args, HclCall call)
    {
        var index = 0;
        return System.Text.RegularExpressions.Regex.Replace(format, "%[sdvq%]", m => m.Value == "%%" ? "%"
            : index < args.Count ? Text(args[index++], call) : throw new HclEvaluationException("format() has too few arguments", call.Position));
    }

    public static string Text(object? value, HclExpression at) => value switch
    {
        string s => s,
        double d => d.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        null => throw new HclEvaluationException("a null value is used as text", at.Position),
        _ => throw new HclEvaluationException("a list or map is used as text", at.Position),
    };

    private static bool Bool(object? value, HclExpression at) => value switch
    {
        bool b => b,
        "true" => true,
        "false" => false,
        _ => throw new HclEvaluationException("a condition is not true or false", at.Position),
    };

    private static double Number(object? value, HclExpression at) => value switch
    {
        double d => d,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => throw new HclEvaluationException("a value is not a number", at.Position),
    };
}
