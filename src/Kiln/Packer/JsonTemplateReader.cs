using System.Globalization;
using System.Text;
using Kiln.Definitions;
using Kiln.Packer.Hcl;

namespace Kiln.Packer;

/// <summary>
/// Reads a legacy JSON Packer template (and JSON var files) keeping each key's line, which System.Text.Json does not
/// report. User variables stay references (<c>{{ var.x }}</c> after translation); their values are the defaults
/// overridden by the var files.
/// </summary>
internal sealed class JsonTemplateReader
{
    private readonly string _file;
    private readonly string _text;
    private int _position;
    private int _line = 1;
    private int _lineStart;

    private JsonTemplateReader(string file, string text)
    {
        _file = file;
        _text = text;
    }

    private sealed record Node(object? Value, TemplatePosition Position);

    public static PackerTemplate Read(string file, IReadOnlyList<string> varFiles, string name)
    {
        var root = Parse(file, File.ReadAllText(file));
        if (root.Value is not List<(string Key, Node Value)> top)
        {
            throw new TemplateParseException("a Packer JSON template is an object with \"builders\"", root.Position);
        }

        if (!top.Any(e => e.Key == "builders"))
        {
            throw new TemplateParseException("this JSON has no \"builders\": it is not a Packer template", root.Position);
        }

        var template = new PackerTemplate { Name = name, Directory = Path.GetDirectoryName(file)! };
        var sensitive = top.Where(e => e.Key == "sensitive-variables").SelectMany(e => e.Value.Value as List<Node> ?? []).Select(n => n.Value as string).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, value) in Entries(top, "variables"))
        {
            template.Variables[key] = new PackerVariable(key, Plain(value), sensitive.Contains(key), value.Position);
        }

        foreach (var varFile in varFiles)
        {
            var values = Parse(varFile, File.ReadAllText(varFile));
            foreach (var (key, value) in values.Value as List<(string Key, Node Value)> ?? throw new TemplateParseException("a var file is a JSON object", values.Position))
            {
                template.Variables[key] = new PackerVariable(key, Plain(value), sensitive.Contains(key), value.Position);
            }
        }

        var sources = new List<(string, string)>();
        foreach (var builder in Items(top, "builders"))
        {
            var attributes = Attributes(builder);
            var type = attributes.FirstOrDefault(a => a.Key == "type")?.Value as string ?? throw new TemplateParseException("a builder has no \"type\"", builder.Position);
            var builderName = attributes.FirstOrDefault(a => a.Key == "name")?.Value as string ?? type;
            template.Sources.Add(new PackerPlugin(type, builderName, [.. attributes.Where(a => a.Key is not ("type" or "name"))], builder.Position));
            sources.Add((type, builderName));
        }

        var provisioners = Items(top, "provisioners").Select(Plugin).ToList();
        var chains = new List<IReadOnlyList<PackerPlugin>>();
        foreach (var item in Items(top, "post-processors"))
        {
            chains.Add(item.Value switch
            {
                string type => [new PackerPlugin(type, null, [], item.Position)],
                List<Node> chain => [.. chain.Select(n => n.Value is string type ? new PackerPlugin(type, null, [], n.Position) : Plugin(n))],
                _ => [Plugin(item)],
            });
        }

        foreach (var (key, value) in top.Where(e => e.Key is not ("builders" or "provisioners" or "post-processors" or "variables" or "sensitive-variables")))
        {
            template.Report.Add(new ImportReportEntry(value.Position, $"'{key}' is not translated" + (PackerNames.Find(PackerScope.Template, key) is { } known ? $": {known.Hint}" : "")));
        }

        template.Builds.Add(new PackerBuild(null, sources, provisioners, chains, root.Position));
        return template;
    }

    private static PackerPlugin Plugin(Node node)
    {
        var attributes = Attributes(node);
        var type = attributes.FirstOrDefault(a => a.Key == "type")?.Value as string ?? throw new TemplateParseException("this entry has no \"type\"", node.Position);
        return new PackerPlugin(type, null, [.. attributes.Where(a => a.Key is not ("type" or "name"))], node.Position);
    }

    private static List<PackerAttribute> Attributes(Node node) =>
        node.Value is List<(string Key, Node Value)> entries
            ? [.. entries.Select(e => new PackerAttribute(e.Key, Plain(e.Value), e.Value.Position))]
            : throw new TemplateParseException("expected an object", node.Position);

    private static IEnumerable<(string Key, Node Value)> Entries(List<(string Key, Node Value)> top, string key) =>
        top.Where(e => e.Key == key).SelectMany(e => e.Value.Value as List<(string Key, Node Value)> ?? []);

    private static IEnumerable<Node> Items(List<(string Key, Node Value)> top, string key) =>
        top.Where(e => e.Key == key).SelectMany(e => e.Value.Value as List<Node> ?? throw new TemplateParseException($"\"{key}\" must be a list", e.Value.Position));

    private static object? Plain(Node node) => node.Value switch
    {
        List<Node> list => list.Select(Plain).ToList(),
        List<(string Key, Node Value)> map => map.GroupBy(e => e.Key).ToDictionary(g => g.Key, g => Plain(g.Last().Value), StringComparer.Ordinal),
        var scalar => scalar,
    };

    private static Node Parse(string file, string text)
    {
        var reader = new JsonTemplateReader(file, text);
        var node = reader.Value();
        reader.Skip();
        return reader._position < text.Length ? throw reader.Error("unexpected text after the JSON value") : node;
    }

    private Node Value()
    {
        Skip();
        var position = Position();
        if (_position >= _text.Length)
        {
            throw Error("unexpected end of the file");
        }

        switch (_text[_position])
        {
            case '{':
            {
                _position++;
                var entries = new List<(string, Node)>();
                Skip();
                if (Next('}'))
                {
                    return new Node(entries, position);
                }

                do
                {
                    Skip();
                    var key = String();
                    Skip();
                    Expect(':');
                    entries.Add((key, Value()));
                    Skip();
                }
                while (Next(','));
                Expect('}');
                return new Node(entries, position);
            }

            case '[':
            {
                _position++;
                var items = new List<Node>();
                Skip();
                if (Next(']'))
                {
                    return new Node(items, position);
                }

                do
                {
                    items.Add(Value());
                    Skip();
                }
                while (Next(','));
                Expect(']');
                return new Node(items, position);
            }

            case '"':
                return new Node(String(), position);
        }

        foreach (var (word, value) in new (string, object?)[] { ("true", true), ("false", false), ("null", null) })
        {
            if (string.CompareOrdinal(_text, _position, word, 0, word.Length) == 0)
            {
                _position += word.Length;
                return new Node(value, position);
            }
        }

        var start = _position;
        while (_position < _text.Length && "+-0123456789.eE".Contains(_text[_position], StringComparison.Ordinal))
        {
            _position++;
        }

        return start < _position && double.TryParse(_text[start.._position], NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? new Node(number, position)
            : throw Error($"unexpected '{_text[start]}'");
    }

    private string String()
    {
        Expect('"');
        var text = new StringBuilder();
        while (true)
        {
            if (_position >= _text.Length || _text[_position] == '\n')
            {
                throw Error("the string is not closed with '\"'");
            }

            var c = _text[_position++];
            if (c == '"')
            {
                return text.ToString();
            }

            if (c != '\\')
            {
                text.Append(c);
                continue;
            }

            var escaped = _position < _text.Length ? _text[_position++] : '\0';
            text.Append(escaped switch
            {
                'n' => "\n",
                't' => "\t",
                'r' => "\r",
                'b' => "\b",
                'f' => "\f",
                'u' when _position + 4 <= _text.Length => ((char)int.Parse(_text.AsSpan(_position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToString(),
                '"' or '\\' or '/' => escaped.ToString(),
                _ => throw Error($"unknown escape '\\{escaped}'"),
            });
            if (escaped == 'u')
            {
                _position += 4;
            }
        }
    }

    private void Skip()
    {
        while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
        {
            if (_text[_position] == '\n')
            {
                _line++;
                _lineStart = _position + 1;
            }

            _position++;
        }
    }

    private bool Next(char c)
    {
        if (_position < _text.Length && _text[_position] == c)
        {
            _position++;
            return true;
        }

        return false;
    }

    private void Expect(char c)
    {
        if (!Next(c))
        {
            throw Error(_position < _text.Length ? $"expected '{c}', found '{_text[_position]}'" : $"expected '{c}', found the end of the file");
        }
    }

    private TemplatePosition Position() => new(_file, _line, _position - _lineStart + 1);

    private TemplateParseException Error(string message) => new(message, Position());
}
