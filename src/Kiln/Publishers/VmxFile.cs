using Kiln.Diagnostics;

namespace Kiln.Publishers;

/// <summary>Reads a VMware .vmx: lines of <c>key = "value"</c>, with <c>#</c> comments and VMware's |XX escapes.</summary>
internal static class VmxFile
{
    /// <summary>A .vmx by name and content: every meaningful line is a key = "value" pair and config.version is among them.</summary>
    public static bool Is(string path)
    {
        if (!path.EndsWith(".vmx", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        try
        {
            return Parse(File.ReadAllText(path)).ContainsKey("config.version");
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static IReadOnlyDictionary<string, string> Parse(string text)
    {
        var entries = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (raw, number) in text.Split('\n').Select((l, i) => (l.Trim(), i + 1)))
        {
            if (raw.Length == 0 || raw.StartsWith('#'))
            {
                continue;
            }

            var equals = raw.IndexOf('=', StringComparison.Ordinal);
            var value = equals < 0 ? "" : raw[(equals + 1)..].Trim();
            if (equals <= 0 || value.Length < 2 || value[0] != '"' || value[^1] != '"')
            {
                throw new FormatException($"line {number} is not key = \"value\": {raw}");
            }

            entries[raw[..equals].Trim()] = Unescape(value[1..^1]);
        }

        return entries;
    }

    /// <summary>The vmx itself, then every file a present device names (disks), resolved next to the vmx.</summary>
    public static IReadOnlyList<string> Members(string vmx)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(vmx))!;
        var entries = Parse(File.ReadAllText(vmx));
        var members = new List<string> { Path.GetFullPath(vmx) };
        foreach (var (key, value) in entries.Where(e => e.Key.EndsWith(".fileName", StringComparison.OrdinalIgnoreCase)).OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var device = key[..^".fileName".Length];
            if (!entries.TryGetValue(device + ".present", out var present) || !present.Equals("TRUE", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var path = Path.GetFullPath(value, folder);
            if (!File.Exists(path))
            {
                throw new KilnException($"{vmx}: {key} names {value}, which does not exist", "the vmx and its disks must stay together in one folder, as the qemu builder's vmx format writes them");
            }

            members.Add(path);
        }

        return members;
    }

    private static string Unescape(string value)
    {
        if (!value.Contains('|', StringComparison.Ordinal))
        {
            return value;
        }

        var result = new System.Text.StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '|' && i + 2 < value.Length && Uri.IsHexDigit(value[i + 1]) && Uri.IsHexDigit(value[i + 2]))
            {
                result.Append((char)Convert.ToInt32(value.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                result.Append(value[i]);
            }
        }

        return result.ToString();
    }
}
