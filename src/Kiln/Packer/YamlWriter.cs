using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Kiln.Packer;

/// <summary>
/// Writes the importer's definitions as block YAML: mappings are ordered (key, value) lists, scalars are JSON-quoted
/// (valid YAML, and no value is ever read as another type), lists of scalars are written in flow style.
/// </summary>
internal static class YamlWriter
{
    private static readonly JsonSerializerOptions Quoting = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(StringBuilder text, List<(string Key, object? Value)> map, int indent)
    {
        foreach (var (key, value) in map)
        {
            text.Append(' ', indent).Append(key).Append(':');
            WriteValue(text, value, indent);
        }
    }

    private static void WriteValue(StringBuilder text, object? value, int indent)
    {
        switch (value)
        {
            case List<(string Key, object? Value)> { Count: 0 }:
                text.Append(" {}\n");
                break;
            case List<(string Key, object? Value)> map:
                text.Append('\n');
                Write(text, map, indent + 2);
                break;
            case List<object?> list when list.All(i => i is not (List<object?> or List<(string, object?)>)):
                text.Append(" [").AppendJoin(", ", list.Select(Scalar)).Append("]\n");
                break;
            case List<object?> list:
                text.Append('\n');
                foreach (var item in list)
                {
                    text.Append(' ', indent + 2).Append('-');
                    if (item is List<(string Key, object? Value)> { Count: > 0 } entries)
                    {
                        text.Append(' ').Append(entries[0].Key).Append(':');
                        WriteValue(text, entries[0].Value, indent + 4);
                        Write(text, entries.Skip(1).ToList(), indent + 4);
                    }
                    else
                    {
                        WriteValue(text, item, indent + 2);
                    }
                }

                break;
            default:
                text.Append(' ').Append(Scalar(value)).Append('\n');
                break;
        }
    }

    private static string Scalar(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        double d => d.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        string s => JsonSerializer.Serialize(s, Quoting),
        _ => JsonSerializer.Serialize(value.ToString(), Quoting),
    };
}
