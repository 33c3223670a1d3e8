using System.Globalization;
using System.Text;

namespace Kiln.Packer.Hcl;

/// <summary>
/// A hand-written reader for the HCL2 native syntax Packer templates use: bodies of attributes and blocks, comments,
/// strings with <c>${ }</c> interpolation, heredocs, tuples, objects, references, calls, operators, conditionals and
/// for expressions. Anything it cannot read is a <see cref="TemplateParseException"/> at its line and column.
/// </summary>
internal sealed class HclParser
{
    private static readonly string[][] BinaryLevels =
    [
        ["||"], ["&&"], ["==", "!="], ["<=", ">=", "<", ">"], ["+", "-"], ["*", "/", "%"],
    ];

    private readonly string _file;
    private readonly string _text;
    private readonly List<int> _lineStarts;
    private int _position;
    private int _depth; // inside (), [] or {} of an expression newlines are only whitespace

    private HclParser(string file, string text)
    {
        _file = file;
        _text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        _lineStarts = [0, .. _text.Select((c, i) => (c, i)).Where(x => x.c == '\n').Select(x => x.i + 1)];
    }

    public static HclBody Parse(string file, string text)
    {
        var parser = new HclParser(file, text);
        var body = parser.ParseBody(topLevel: true);
        return body;
    }

    private HclBody ParseBody(bool topLevel)
    {
        var attributes = new List<HclAttribute>();
        var blocks = new List<HclBlock>();
        while (true)
        {
            SkipSpace(newlines: true);
            if (End)
            {
                return topLevel ? new HclBody(attributes, blocks) : throw Error("the block is not closed with '}'");
            }

            if (Peek == '}')
            {
                if (topLevel)
                {
                    throw Error("unexpected '}'");
                }

                return new HclBody(attributes, blocks);
            }

            var position = Position();
            var name = Identifier() ?? throw Error($"expected an attribute or block name, found '{Describe()}'");
            SkipSpace(newlines: false);
            if (Peek == '=' && PeekAt(1) != '=')
            {
                _position++;
                var value = ParseExpression();
                attributes.Add(new HclAttribute(name, value, position));
                EndOfLine();
                continue;
            }

            var labels = new List<string>();
            while (!End && Peek != '{')
            {
                if (Peek == '"')
                {
                    labels.Add(PlainString());
                }
                else if (Identifier() is { } label)
                {
                    labels.Add(label);
                }
                else
                {
                    throw Error($"expected '=' or a block's '{{' after '{name}', found '{Describe()}'");
                }

                SkipSpace(newlines: false);
            }

            Expect('{');
            var depth = _depth;
            _depth = 0;
            var body = ParseBody(topLevel: false);
            _depth = depth;
            Expect('}');
            blocks.Add(new HclBlock(name, labels, body, position));
            EndOfLine();
        }
    }

    private void EndOfLine()
    {
        SkipSpace(newlines: false);
        if (!End && Peek != '\n' && Peek != '}')
        {
            throw Error($"expected a new line, found '{Describe()}'");
        }
    }

    private HclExpression ParseExpression()
    {
        var condition = ParseBinary(0);
        SkipSpace(_depth > 0);
        if (Peek != '?')
        {
            return condition;
        }

        _position++;
        var then = ParseExpression();
        SkipSpace(_depth > 0);
        Expect(':');
        var otherwise = ParseExpression();
        return new HclConditional(condition, then, otherwise, condition.Position);
    }

    private HclExpression ParseBinary(int level)
    {
        if (level == BinaryLevels.Length)
        {
            return ParseUnary();
        }

        var left = ParseBinary(level + 1);
        while (true)
        {
            SkipSpace(_depth > 0);
            var op = BinaryLevels[level].FirstOrDefault(o => _text.AsSpan(_position).StartsWith(o, StringComparison.Ordinal)
                && !(o is "<" or ">" && PeekAt(1) == '<') && !(o == "="));
            if (op is null || (op is "<" or ">" && PeekAt(1) == '=' && op.Length == 1) || (op == "/" && PeekAt(1) is '/' or '*'))
            {
                return left;
            }

            _position += op.Length;
            var right = ParseBinary(level + 1);
            left = new HclBinary(op, left, right, left.Position);
        }
    }

    private HclExpression ParseUnary()
    {
        SkipSpace(_depth > 0);
        var position = Position();
        if (Peek is '!' or '-')
        {
            var op = Peek.ToString();
            _position++;
            return new HclUnary(op, ParseUnary(), position);
        }

        return ParsePostfix(ParsePrimary());
    }

    private HclExpression ParsePostfix(HclExpression expression)
    {
        while (!End)
        {
            if (Peek == '.' && PeekAt(1) == '*')
            {
                _position += 2;
                expression = new HclUnsupported("a splat expression (.*)", expression.Position);
            }
            else if (Peek == '.' && !char.IsDigit(PeekAt(1)))
            {
                _position++;
                var name = Identifier() ?? throw Error("expected an attribute name after '.'");
                expression = expression is HclTraversal t ? t with { Steps = [.. t.Steps, name] } : new HclUnsupported($"an attribute of an expression (.{name})", expression.Position);
            }
            else if (Peek == '[')
            {
                _position++;
                _depth++;
                SkipSpace(true);
                if (Peek == '*')
                {
                    _position++;
                    SkipSpace(true);
                    Expect(']');
                    _depth--;
                    expression = new HclUnsupported("a splat expression ([*])", expression.Position);
                    continue;
                }

                var index = ParseExpression();
                SkipSpace(true);
                Expect(']');
                _depth--;
                expression = expression is HclTraversal t ? t with { Steps = [.. t.Steps, index] } : new HclUnsupported("an index into an expression", expression.Position);
            }
            else
            {
                break;
            }
        }

        return expression;
    }

    private HclExpression ParsePrimary()
    {
        SkipSpace(_depth > 0);
        var position = Position();
        if (End)
        {
            throw Error("expected an expression, found the end of the file");
        }

        switch (Peek)
        {
            case '"':
                return Template(position);
            case '<' when PeekAt(1) == '<':
                return Heredoc(position);
            case '(':
            {
                _position++;
                _depth++;
                var inner = ParseExpression();
                SkipSpace(true);
                Expect(')');
                _depth--;
                return inner;
            }

            case '[':
                return TupleOrFor(position);
            case '{':
                return ObjectOrFor(position);
        }

        if (char.IsDigit(Peek))
        {
            var start = _position;
            while (!End && (char.IsDigit(Peek) || Peek == '.' && char.IsDigit(PeekAt(1)) || Peek is 'e' or 'E'))
            {
                _position++;
            }

            return new HclLiteral(double.Parse(_text[start.._position], CultureInfo.InvariantCulture), position);
        }

        var name = Identifier() ?? throw Error($"expected an expression, found '{Describe()}'");
        switch (name)
        {
            case "true":
                return new HclLiteral(true, position);
            case "false":
                return new HclLiteral(false, position);
            case "null":
                return new HclLiteral(null, position);
        }

        SkipSpace(false);
        if (Peek == '(')
        {
            _position++;
            _depth++;
            var arguments = new List<HclExpression>();
            SkipSpace(true);
            while (Peek != ')')
            {
                arguments.Add(ParseExpression());
                SkipSpace(true);
                if (_text.AsSpan(_position).StartsWith("...", StringComparison.Ordinal))
                {
                    _position += 3;
                    SkipSpace(true);
                }

                if (Peek == ',')
                {
                    _position++;
                    SkipSpace(true);
                }
                else if (Peek != ')')
                {
                    throw Error($"expected ',' or ')' in the arguments of {name}(), found '{Describe()}'");
                }
            }

            _position++;
            _depth--;
            return new HclCall(name, arguments, position);
        }

        return new HclTraversal(name, [], position);
    }

    private HclExpression TupleOrFor(TemplatePosition position)
    {
        _position++;
        _depth++;
        SkipSpace(true);
        if (KeywordAhead("for"))
        {
            var result = For(position, ']', isObject: false);
            _depth--;
            return result;
        }

        var items = new List<HclExpression>();
        while (Peek != ']')
        {
            items.Add(ParseExpression());
            SkipSpace(true);
            if (Peek == ',')
            {
                _position++;
                SkipSpace(true);
            }
            else if (Peek != ']')
            {
                throw Error($"expected ',' or ']' in a list, found '{Describe()}'");
            }
        }

        _position++;
        _depth--;
        return new HclTuple(items, position);
    }

    private HclExpression ObjectOrFor(TemplatePosition position)
    {
        _position++;
        _depth++;
        SkipSpace(true);
        if (KeywordAhead("for"))
        {
            var result = For(position, '}', isObject: true);
            _depth--;
            return result;
        }

        var items = new List<(HclExpression, HclExpression)>();
        while (Peek != '}')
        {
            var keyPosition = Position();
            HclExpression key = Identifier() is { } bare ? new HclLiteral(bare, keyPosition) : ParseExpression();
            SkipSpace(true);
            if (Peek is not ('=' or ':'))
            {
                throw Error($"expected '=' or ':' after an object key, found '{Describe()}'");
            }

            _position++;
            var value = ParseExpression();
            items.Add((key, value));
            SkipSpace(true);
            if (Peek == ',')
            {
                _position++;
                SkipSpace(true);
            }
            else if (Peek != '}' && End)
            {
                throw Error("the object is not closed with '}'");
            }
        }

        _position++;
        _depth--;
        return new HclObject(items, position);
    }

    private HclFor For(TemplatePosition position, char close, bool isObject)
    {
        _position += 3;
        SkipSpace(true);
        var first = Identifier() ?? throw Error("expected a name after 'for'");
        string? key = null;
        var value = first;
        SkipSpace(true);
        if (Peek == ',')
        {
            _position++;
            SkipSpace(true);
            key = first;
            value = Identifier() ?? throw Error("expected a second name after ','");
            SkipSpace(true);
        }

        if (!KeywordAhead("in"))
        {
            throw Error($"expected 'in' in a for expression, found '{Describe()}'");
        }

        _position += 2;
        var collection = ParseExpression();
        SkipSpace(true);
        Expect(':');
        HclExpression? keyResult = null;
        var result = ParseExpression();
        SkipSpace(true);
        if (isObject && _text.AsSpan(_position).StartsWith("=>", StringComparison.Ordinal))
        {
            _position += 2;
            keyResult = result;
            result = ParseExpression();
            SkipSpace(true);
        }

        HclExpression? condition = null;
        if (KeywordAhead("if"))
        {
            _position += 2;
            condition = ParseExpression();
            SkipSpace(true);
        }

        Expect(close);
        return new HclFor(key, value, collection, keyResult, result, condition, position);
    }

    private HclTemplate Template(TemplatePosition position)
    {
        _position++;
        var parts = new List<object>();
        var literal = new StringBuilder();
        while (true)
        {
            if (End || Peek == '\n')
            {
                throw Error("the string is not closed with '\"'");
            }

            var c = Peek;
            if (c == '"')
            {
                _position++;
                break;
            }

            if (c == '\\')
            {
                literal.Append(Escape());
                continue;
            }

            if (TemplateSequence(parts, literal))
            {
                continue;
            }

            literal.Append(c);
            _position++;
        }

        if (literal.Length > 0)
        {
            parts.Add(literal.ToString());
        }

        return new HclTemplate(parts, position);
    }

    /// <summary>Reads <c>${ expr }</c>, <c>$${</c>, <c>%{ directive }</c> or <c>%%{</c> at the cursor; false when none is there.</summary>
    private bool TemplateSequence(List<object> parts, StringBuilder literal)
    {
        var c = Peek;
        if ((c == '$' || c == '%') && PeekAt(1) == c && PeekAt(2) == '{')
        {
            literal.Append(c).Append('{');
            _position += 3;
            return true;
        }

        if ((c == '$' || c == '%') && PeekAt(1) == '{')
        {
            if (literal.Length > 0)
            {
                parts.Add(literal.ToString());
                literal.Clear();
            }

            var position = Position();
            _position += 2;
            if (c == '%')
            {
                var close = _text.IndexOf('}', _position);
                _position = close < 0 ? throw Error("a template directive is not closed with '}'") : close + 1;
                parts.Add(new HclUnsupported("a template directive (%{ ... })", position));
                return true;
            }

            var depth = _depth;
            _depth = 1;
            SkipSpace(true);
            if (Peek == '~')
            {
                _position++;
            }

            var expression = ParseExpression();
            SkipSpace(true);
            if (Peek == '~')
            {
                _position++;
            }

            Expect('}');
            _depth = depth;
            parts.Add(expression);
            return true;
        }

        return false;
    }

    private string Escape()
    {
        var next = PeekAt(1);
        _position += 2;
        switch (next)
        {
            case 'n': return "\n";
            case 't': return "\t";
            case 'r': return "\r";
            case '"': return "\"";
            case '\\': return "\\";
            case 'u' when _position + 4 <= _text.Length:
                var code = _text.Substring(_position, 4);
                _position += 4;
                return ((char)int.Parse(code, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToString();
            default:
                _position -= 2;
                throw Error($"unknown escape '\\{next}' in a string");
        }
    }

    private HclTemplate Heredoc(TemplatePosition position)
    {
        _position += 2;
        var indented = Peek == '-';
        if (indented)
        {
            _position++;
        }

        var marker = Identifier() ?? throw Error("expected a heredoc marker after '<<'");
        var lineEnd = _text.IndexOf('\n', _position);
        if (lineEnd < 0)
        {
            throw Error($"the heredoc {marker} has no content");
        }

        _position = lineEnd + 1;
        var lines = new List<string>();
        while (true)
        {
            if (End)
            {
                throw new TemplateParseException($"the heredoc is not closed by a line '{marker}'", position);
            }

            var end = _text.IndexOf('\n', _position);
            var line = end < 0 ? _text[_position..] : _text[_position..end];
            if (line.Trim() == marker)
            {
                _position = end < 0 ? _text.Length : end;
                break;
            }

            lines.Add(line);
            _position = end < 0 ? _text.Length : end + 1;
        }

        if (indented && lines.Count > 0)
        {
            var indent = lines.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
            lines = [.. lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart())];
        }

        var content = string.Join('\n', lines) + "\n";
        var inner = new HclParser(_file, content);
        var parts = new List<object>();
        var literal = new StringBuilder();
        while (!inner.End)
        {
            if (inner.TemplateSequence(parts, literal))
            {
                continue;
            }

            literal.Append(inner.Peek);
            inner._position++;
        }

        if (literal.Length > 0)
        {
            parts.Add(literal.ToString());
        }

        return new HclTemplate(parts, position);
    }

    private string PlainString()
    {
        var position = Position();
        var template = Template(position);
        return template.Parts is [] ? "" : template.Parts is [string text] ? text : throw new TemplateParseException("a block label cannot interpolate", position);
    }

    private bool KeywordAhead(string keyword) =>
        _text.AsSpan(_position).StartsWith(keyword, StringComparison.Ordinal)
        && (_position + keyword.Length >= _text.Length || !IsNameChar(_text[_position + keyword.Length]));

    private string? Identifier()
    {
        if (End || !(char.IsLetter(Peek) || Peek == '_'))
        {
            return null;
        }

        var start = _position;
        while (!End && IsNameChar(Peek))
        {
            _position++;
        }

        return _text[start.._position];
    }

    private static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '-';

    private void SkipSpace(bool newlines)
    {
        while (!End)
        {
            var c = Peek;
            if (c is ' ' or '\t' or '\r' || (newlines && c == '\n'))
            {
                _position++;
            }
            else if (c == '#' || (c == '/' && PeekAt(1) == '/'))
            {
                while (!End && Peek != '\n')
                {
                    _position++;
                }
            }
            else if (c == '/' && PeekAt(1) == '*')
            {
                var close = _text.IndexOf("*/", _position + 2, StringComparison.Ordinal);
                _position = close < 0 ? throw Error("a comment is not closed with '*/'") : close + 2;
            }
            else
            {
                return;
            }
        }
    }

    private void Expect(char c)
    {
        SkipSpace(_depth > 0 || c is '}' or ']' or ')');
        if (End || Peek != c)
        {
            throw Error($"expected '{c}', found '{Describe()}'");
        }

        _position++;
    }

    private bool End => _position >= _text.Length;

    private char Peek => _position < _text.Length ? _text[_position] : '\0';

    private char PeekAt(int offset) => _position + offset < _text.Length ? _text[_position + offset] : '\0';

    private string Describe() => End ? "the end of the file" : Peek == '\n' ? "a new line" : Peek.ToString();

    private TemplatePosition Position()
    {
        var index = _lineStarts.BinarySearch(_position);
        var line = index >= 0 ? index : ~index - 1;
        return new TemplatePosition(_file, line + 1, _position - _lineStarts[line] + 1);
    }

    private TemplateParseException Error(string message) => new(message, Position());
}
