using System.Globalization;
using Kiln.Definitions;

namespace Kiln.Builders.Qemu.Install;

/// <summary>One step of a boot_command: a key pressed (with the modifiers held at the time), a pause, or a key held down or let go.</summary>
internal abstract record BootAction;

/// <summary>QEMU qcodes pressed together and released, e.g. ["shift", "a"] for "A".</summary>
internal sealed record KeyPress(IReadOnlyList<string> Keys) : BootAction;

internal sealed record BootWait(TimeSpan Duration) : BootAction;

/// <summary>&lt;leftCtrlOn&gt; holds a key until &lt;leftCtrlOff&gt;: every key pressed in between comes with it.</summary>
internal sealed record KeyHold(string Key, bool Down) : BootAction;

internal sealed record BootCommandError(string Message, string? Hint);

/// <summary>
/// Packer's boot_command syntax: plain text is typed on a US keyboard; &lt;name&gt; is a special key, &lt;nameOn&gt; /
/// &lt;nameOff&gt; hold and release it, &lt;wait&gt; pauses a second, &lt;wait5&gt; five, &lt;wait10s&gt; / &lt;wait1m&gt; a duration.
/// Unlike Packer, an unknown &lt;name&gt; is an error, not typed literally: &lt;entr&gt; is far more often a typo than text.
/// </summary>
internal static class BootCommand
{
    /// <summary>Packer's special keys (case-insensitive) and the QEMU qcodes they press.</summary>
    public static readonly IReadOnlyDictionary<string, string> SpecialKeys = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["bs"] = "backspace", ["del"] = "delete", ["enter"] = "ret", ["return"] = "ret", ["esc"] = "esc", ["tab"] = "tab",
        ["spacebar"] = "spc", ["insert"] = "insert", ["home"] = "home", ["end"] = "end", ["pageUp"] = "pgup", ["pageDown"] = "pgdn",
        ["up"] = "up", ["down"] = "down", ["left"] = "left", ["right"] = "right", ["menu"] = "menu",
        ["leftAlt"] = "alt", ["rightAlt"] = "alt_r", ["leftCtrl"] = "ctrl", ["rightCtrl"] = "ctrl_r",
        ["leftShift"] = "shift", ["rightShift"] = "shift_r", ["leftSuper"] = "meta_l", ["rightSuper"] = "meta_r",
        ["f1"] = "f1", ["f2"] = "f2", ["f3"] = "f3", ["f4"] = "f4", ["f5"] = "f5", ["f6"] = "f6",
        ["f7"] = "f7", ["f8"] = "f8", ["f9"] = "f9", ["f10"] = "f10", ["f11"] = "f11", ["f12"] = "f12",
    };

    private const string Unshifted = "`1234567890-=[]\\;',./ ";
    private const string Shifted = "~!@#$%^&*()_+{}|:\"<>?";

    private static readonly IReadOnlyDictionary<char, string> SymbolKeys = new Dictionary<char, string>
    {
        ['`'] = "grave_accent", ['-'] = "minus", ['='] = "equal", ['['] = "bracket_left", [']'] = "bracket_right",
        ['\\'] = "backslash", [';'] = "semicolon", ['\''] = "apostrophe", [','] = "comma", ['.'] = "dot", ['/'] = "slash", [' '] = "spc",
    };

    /// <summary>Replaces {{ http.ip }} and {{ http.port }} (as the definition's interpolation leaves them) with the server's address.</summary>
    public static string Expand(string text, string httpIp, int httpPort) =>
        text.Replace(HttpPlaceholders.Ip, httpIp, StringComparison.Ordinal)
            .Replace(HttpPlaceholders.Port, httpPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    public static bool TryParse(string text, out IReadOnlyList<BootAction> actions, out BootCommandError? error)
    {
        var result = new List<BootAction>();
        actions = result;
        error = null;
        text = Expand(text, "10.0.2.2", 8000);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '<' && SpecialToken(text, i) is { } token)
            {
                if (!TryParseSpecial(token, result, out error))
                {
                    return false;
                }

                i += token.Length + 1;
                continue;
            }

            if (!TryKeysOf(c, out var keys))
            {
                error = new BootCommandError(
                    $"'{c}' (U+{(int)c:X4}) cannot be typed on a US keyboard",
                    "boot_command types ASCII text; write special keys as <enter>, <tab>, <esc>, ...");
                return false;
            }

            result.Add(new KeyPress(keys));
        }

        return true;
    }

    /// <summary>The name between '&lt;' at <paramref name="start"/> and the next '&gt;' when it is a word (letters and digits); else the '&lt;' is text.</summary>
    private static string? SpecialToken(string text, int start)
    {
        var end = text.IndexOf('>', start + 1);
        if (end <= start + 1)
        {
            return null;
        }

        var name = text[(start + 1)..end];
        return name.All(char.IsAsciiLetterOrDigit) && char.IsAsciiLetter(name[0]) ? name : null;
    }

    private static bool TryParseSpecial(string name, List<BootAction> result, out BootCommandError? error)
    {
        error = null;
        if (SpecialKeys.TryGetValue(name, out var key))
        {
            result.Add(new KeyPress([key]));
            return true;
        }

        if (name.StartsWith("wait", StringComparison.OrdinalIgnoreCase))
        {
            var amount = name[4..];
            if (amount.Length == 0)
            {
                result.Add(new BootWait(TimeSpan.FromSeconds(1)));
                return true;
            }

            if (amount.All(char.IsAsciiDigit) && int.TryParse(amount, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                result.Add(new BootWait(TimeSpan.FromSeconds(seconds)));
                return true;
            }

            if (ScalarConversions.TryDuration(amount, out var duration))
            {
                result.Add(new BootWait(duration));
                return true;
            }

            error = new BootCommandError($"<{name}> is not a wait", "write <wait>, <wait5> (seconds), <wait10s>, <wait1m> or <wait500ms>");
            return false;
        }

        foreach (var (suffix, down) in new[] { ("On", true), ("Off", false) })
        {
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && SpecialKeys.TryGetValue(name[..^suffix.Length], out var held))
            {
                result.Add(new KeyHold(held, down));
                return true;
            }
        }

        var known = SpecialKeys.Keys.Concat(["wait", "wait5", "wait10", "leftCtrlOn", "leftCtrlOff", "leftAltOn", "leftAltOff", "leftShiftOn", "leftShiftOff"]).ToList();
        error = new BootCommandError($"unknown key <{name}>", Suggestions.Hint(name, known, "keys"));
        return false;
    }

    private static bool TryKeysOf(char c, out IReadOnlyList<string> keys)
    {
        keys = [];
        if (char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))
        {
            keys = [c.ToString()];
        }
        else if (char.IsAsciiLetterUpper(c))
        {
            keys = ["shift", char.ToLowerInvariant(c).ToString()];
        }
        else if (c == '\n')
        {
            keys = ["ret"];
        }
        else if (c == '\t')
        {
            keys = ["tab"];
        }
        else if (SymbolKeys.TryGetValue(c, out var symbol))
        {
            keys = [symbol];
        }
        else if (Shifted.IndexOf(c, StringComparison.Ordinal) is var index and >= 0)
        {
            var plain = Unshifted[index];
            keys = ["shift", char.IsAsciiDigit(plain) ? plain.ToString() : SymbolKeys[plain]];
        }

        return keys.Count > 0;
    }
}
