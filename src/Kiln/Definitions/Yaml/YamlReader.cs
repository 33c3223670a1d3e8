using Kiln.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Kiln.Definitions.Yaml;

/// <summary>
/// Reads one YAML document into <see cref="YamlNode"/>s, with limits that keep hostile input cheap: file size,
/// nesting depth and the number of nodes after alias expansion (an alias bomb fails fast instead of exploding).
/// Problems are added to the diagnostics; the result is null when the document could not be read.
/// </summary>
internal sealed class YamlReader
{
    public const int MaxDepth = 64;
    public const int MaxExpandedNodes = 100_000;
    public const int MaxFileLength = 4 * 1024 * 1024;

    private readonly string _file;
    private readonly List<KilnDiagnostic> _diagnostics;
    private readonly Dictionary<string, (YamlNode Node, int Size)> _anchors = new(StringComparer.Ordinal);
    private readonly IParser _parser;
    private int _expanded;
    private Mark _lastMark = Mark.Empty;

    private YamlReader(string file, string text, List<KilnDiagnostic> diagnostics)
    {
        _file = file;
        _diagnostics = diagnostics;
        _parser = new Parser(new StringReader(text));
    }

    public static YamlNode? Read(string file, string text, List<KilnDiagnostic> diagnostics)
    {
        if (text.Length > MaxFileLength)
        {
            diagnostics.Add(new KilnDiagnostic(new SourceLocation(file, 1, 1),
                $"the file is {text.Length} characters long, more than the {MaxFileLength} Kiln reads",
                "Definitions and variable files are small; move large content into a file and read it with file(\"...\")."));
            return null;
        }

        var reader = new YamlReader(file, text, diagnostics);
        try
        {
            return reader.ReadStream();
        }
        catch (YamlException e)
        {
            diagnostics.Add(new KilnDiagnostic(reader.At(e.Start), $"invalid YAML: {Clean(e.Message)}",
                "Check the indentation and quoting around this place."));
            return null;
        }
        catch (LimitExceeded e)
        {
            diagnostics.Add(e.Diagnostic);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or FormatException or OverflowException)
        {
            // YamlDotNet's scanner throws these on some malformed input instead of a YamlException.
            diagnostics.Add(new KilnDiagnostic(reader.At(reader._lastMark), "invalid YAML after this place",
                "Check the indentation, brackets and quoting from here on."));
            return null;
        }
    }

    private YamlNode? ReadStream()
    {
        _parser.Consume<StreamStart>();
        if (_parser.TryConsume<StreamEnd>(out var end))
        {
            _diagnostics.Add(new KilnDiagnostic(At(end.Start), "the file is empty", "Write a mapping with at least `name:` and `sources:`."));
            return null;
        }

        _parser.Consume<DocumentStart>();
        var root = ReadNode(0);
        _parser.Consume<DocumentEnd>();
        if (_parser.Current is DocumentStart second)
        {
            _diagnostics.Add(new KilnDiagnostic(At(second.Start), "the file holds more than one YAML document",
                "Write one definition per file; remove the `---` separator."));
            return null;
        }

        return root;
    }

    private YamlNode ReadNode(int depth)
    {
        var current = _parser.Current ?? throw new YamlException("unexpected end of the document");
        _lastMark = current.Start;
        if (depth > MaxDepth)
        {
            throw new LimitExceeded(new KilnDiagnostic(At(current.Start),
                $"the document is nested more than {MaxDepth} levels deep", "Flatten the structure."));
        }

        switch (current)
        {
            case AnchorAlias alias:
                _parser.MoveNext();
                if (!_anchors.TryGetValue(alias.Value.Value, out var anchored))
                {
                    throw new YamlException(alias.Start, alias.End, $"the alias *{alias.Value} refers to no anchor defined before it");
                }

                Count(anchored.Size, alias.Start);
                return anchored.Node;

            case Scalar scalar:
                _parser.MoveNext();
                Count(1, scalar.Start);
                var style = scalar.Style switch
                {
                    ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted => YamlScalarStyle.Quoted,
                    ScalarStyle.Literal or ScalarStyle.Folded => YamlScalarStyle.Block,
                    _ => YamlScalarStyle.Plain,
                };
                return Remember(scalar.Anchor, new YamlScalar(scalar.Value, style, At(scalar.Start)), 1);

            case SequenceStart start:
            {
                _parser.MoveNext();
                var before = _expanded;
                Count(1, start.Start);
                var items = new List<YamlNode>();
                while (!_parser.TryConsume<SequenceEnd>(out _))
                {
                    items.Add(ReadNode(depth + 1));
                }

                return Remember(start.Anchor, new YamlList(items, At(start.Start)), _expanded - before);
            }

            case MappingStart start:
            {
                _parser.MoveNext();
                var before = _expanded;
                Count(1, start.Start);
                var entries = new List<KeyValuePair<YamlScalar, YamlNode>>();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                while (!_parser.TryConsume<MappingEnd>(out _))
                {
                    var keyEvent = _parser.Current!;
                    var key = ReadNode(depth + 1);
                    var value = ReadNode(depth + 1);
                    if (key is not YamlScalar scalarKey || key is YamlScalar { IsNull: true })
                    {
                        _diagnostics.Add(new KilnDiagnostic(At(keyEvent.Start), "a mapping key must be a plain name",
                            "Keys are simple words like `name` or `ssh_timeout`."));
                        continue;
                    }

                    if (scalarKey.Value == "<<")
                    {
                        _diagnostics.Add(new KilnDiagnostic(scalarKey.Location, "YAML merge keys (`<<`) are not supported",
                            "Repeat the keys, or move shared values into a variable or local."));
                        continue;
                    }

                    if (!seen.Add(scalarKey.Value))
                    {
                        _diagnostics.Add(new KilnDiagnostic(At(keyEvent.Start), $"duplicate key '{Shorten(scalarKey.Value)}'",
                            "Each key may appear once in a mapping; remove one of them."));
                        continue;
                    }

                    entries.Add(new(scalarKey, value));
                }

                return Remember(start.Anchor, new YamlMap(entries, At(start.Start)), _expanded - before);
            }

            default:
                throw new YamlException(current.Start, current.End, $"unexpected {current.GetType().Name}");
        }
    }

    private YamlNode Remember(AnchorName anchor, YamlNode node, int size)
    {
        if (!anchor.IsEmpty)
        {
            _anchors[anchor.Value] = (node, size);
        }

        return node;
    }

    private void Count(int nodes, Mark at)
    {
        _expanded += nodes;
        if (_expanded > MaxExpandedNodes)
        {
            throw new LimitExceeded(new KilnDiagnostic(At(at),
                $"the document expands to more than {MaxExpandedNodes} nodes (through aliases or sheer size)",
                "This looks like an alias bomb; use fewer aliases."));
        }
    }

    private SourceLocation At(Mark mark) => new(_file, Math.Max(1, (int)mark.Line), Math.Max(1, (int)mark.Column));

    internal static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";

    // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the location is printed separately.
    private static string Clean(string message)
    {
        var marker = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && marker >= 0 ? message[(marker + 3)..] : message;
    }

    private sealed class LimitExceeded(KilnDiagnostic diagnostic) : Exception(diagnostic.Message)
    {
        public KilnDiagnostic Diagnostic { get; } = diagnostic;
    }
}
