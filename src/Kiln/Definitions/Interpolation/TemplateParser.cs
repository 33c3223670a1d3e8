using System.Globalization;
using System.Text;

namespace Kiln.Definitions.Interpolation;

/// <summary>A template or expression the parser could not read, at an offset in its text.</summary>
internal sealed class TemplateSyntaxException(string message, int offset, string? hint = null) : Exception(message)
{
    public int Offset { get; } = offset;

    public string? Hint { get; } = hint;
}

/// <summary>
/// Splits a string into literal text and <c>{{ expression }}</c> parts. Expressions are references
/// (<c>var.name</c>), calls (<c>replace(var.name, "-", "_")</c>), quoted strings and numbers.
/// A literal <c>{{</c> is written <c>{{ "{{" }}</c>.
/// </summary>
internal sealed class TemplateParser
{
    private readonly string _text;
    private int _position;

    private TemplateParser(string text, int position)
    {
        _text = text;
        _position = position;
    }

    public static bool HasExpressions(string text) => text.Contains("{{", StringComparison.Ordinal);

    public static IReadOnlyList<TemplatePart> Parse(string text)
    {
        var parts = new List<TemplatePart>();
        var literal = new StringBuilder();
        var position = 0;
        while (position < text.Length)
        {
            var open = text.IndexOf("{{", position, StringComparison.Ordinal);
            if (open < 0)
            {
                literal.Append(text, position, text.Length - position);
                break;
            }

            literal.Append(text, position, open - position);
            if (literal.Length > 0)
            {
                parts.Add(new TextPart(literal.ToString()));
                literal.Clear();
            }

            var parser = new TemplateParser(text, open + 2);
            parser.SkipSpaces();
            if (parser.AtClose())
            {
                throw new TemplateSyntaxException("empty expression '{{ }}'", open, "Write a reference such as {{ var.name }}.");
            }

            var expression = parser.ParseExpression();
            parser.SkipSpaces();
            if (!parser.AtClose())
            {
                throw parser.End()
                    ? new TemplateSyntaxException("'{{' is not closed by '}}'", open, "Close the expression with '}}'.")
                    : new TemplateSyntaxException($"unexpected '{parser.Rest()}' in expression", parser._position,
                        "An expression is one reference or call, e.g. {{ lower(var.name) }}.");
            }

            parts.Add(new ExpressionPart(expression));
            position = parser._position + 2;
        }

        if (literal.Length > 0)
        {
            parts.Add(new TextPart(literal.ToString()));
        }

        return parts;
    }

    /// <summary>How deeply calls may nest: lower(upper(...)) is fine, thousands of levels are an attack.</summary>
    public const int MaxNesting = 32;

    private int _depth;

    private Expression ParseExpression()
    {
        if (++_depth > MaxNesting)
        {
            throw new TemplateSyntaxException($"the expression nests more than {MaxNesting} calls deep", _position);
        }

        try
        {
            return ParseExpressionBody();
        }
        finally
        {
            _depth--;
        }
    }

    private Expression ParseExpressionBody()
    {
        SkipSpaces();
        if (End())
        {
            throw new TemplateSyntaxException("expression ends too early", _position, "Close the expression with '}}'.");
        }

        var start = _position;
        var c = _text[_position];
        if (c is '"' or '\'')
        {
            return new LiteralExpression(new TextValue(ParseString(c)), start);
        }

        if (char.IsAsciiDigit(c) || c == '-' && _position + 1 < _text.Length && char.IsAsciiDigit(_text[_position + 1]))
        {
            _position++;
            while (!End() && (char.IsAsciiDigit(_text[_position]) || _text[_position] == '.'))
            {
                _position++;
            }

            var digits = _text[start.._position];
            return double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                ? new LiteralExpression(new NumberValue(number), start)
                : throw new TemplateSyntaxException($"'{digits}' is not a number", start);
        }

        var name = ParseIdentifier();
        SkipSpaces();
        if (!End() && _text[_position] == '(')
        {
            _position++;
            var arguments = new List<Expression>();
            SkipSpaces();
            if (!End() && _text[_position] == ')')
            {
                _position++;
                return new CallExpression(name, arguments, start);
            }

            while (true)
            {
                arguments.Add(ParseExpression());
                SkipSpaces();
                if (End())
                {
                    throw new TemplateSyntaxException($"the call to '{name}' is not closed by ')'", start);
                }

                var next = _text[_position++];
                if (next == ')')
                {
                    return new CallExpression(name, arguments, start);
                }

                if (next != ',')
                {
                    throw new TemplateSyntaxException($"expected ',' or ')' in the call to '{name}', found '{next}'", _position - 1);
                }
            }
        }

        var path = new List<string> { name };
        while (!End() && _text[_position] == '.')
        {
            _position++;
            path.Add(ParseSegment());
        }

        return path.Count == 1 ? new CallExpression(name, [], start) : new ReferenceExpression(path, start);
    }

    private string ParseIdentifier()
    {
        var start = _position;
        if (End() || !(char.IsAsciiLetter(_text[_position]) || _text[_position] == '_'))
        {
            throw new TemplateSyntaxException($"unexpected '{Rest()}' in expression", start,
                "Expressions are references (var.name, local.name, env.NAME, build.output, image.<name>.artifact.<key>, git.sha) or calls like lower(var.name).");
        }

        while (!End() && IsNameChar(_text[_position]))
        {
            _position++;
        }

        return _text[start.._position];
    }

    private string ParseSegment()
    {
        var start = _position;
        while (!End() && IsNameChar(_text[_position]))
        {
            _position++;
        }

        return start == _position
            ? throw new TemplateSyntaxException("a name must follow '.'", start)
            : _text[start.._position];
    }

    private string ParseString(char quote)
    {
        var start = _position++;
        var value = new StringBuilder();
        while (!End())
        {
            var c = _text[_position++];
            if (c == quote)
            {
                return value.ToString();
            }

            if (c == '\\' && !End())
            {
                var escaped = _text[_position++];
                value.Append(escaped switch { 'n' => '\n', 't' => '\t', _ => escaped });
            }
            else
            {
                value.Append(c);
            }
        }

        throw new TemplateSyntaxException("the string is not closed", start, $"Close it with {quote}.");
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-';

    private void SkipSpaces()
    {
        while (!End() && _text[_position] is ' ' or '\t' or '\n' or '\r')
        {
            _position++;
        }
    }

    private bool End() => _position >= _text.Length;

    private bool AtClose() => _position + 1 < _text.Length && _text[_position] == '}' && _text[_position + 1] == '}';

    private string Rest()
    {
        var rest = _text[_position..];
        return rest.Length > 20 ? rest[..20] + "..." : rest;
    }
}
