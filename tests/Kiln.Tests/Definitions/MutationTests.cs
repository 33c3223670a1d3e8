using System.Diagnostics;
using System.Text;
using Kiln.Definitions;
using Kiln.Diagnostics;

namespace Kiln.Tests.Definitions;

/// <summary>
/// Feeds thousands of randomly broken definitions to the loader: it must never hang and never throw anything
/// but a <see cref="DefinitionException"/> whose every diagnostic has a location. Seeded, so a failure
/// reproduces: the message names the seed and the iteration.
/// </summary>
public sealed class MutationTests
{
    private const int Seed = 20261123;
    private const int Count = 10_000;

    private const string Rich = """
        name: rich
        description: every feature at once
        depends_on: [base]
        variables:
          version: { type: string, default: "1.0.0", validation: { pattern: "[0-9.]+", error_message: "bad version" } }
          cpus: { type: number, default: 2, validation: { min: 1, max: 16 } }
          debug: { type: bool, default: false }
          tags: { type: list, default: [a, b] }
          labels: { type: map, default: { team: infra } }
          token: { type: string, sensitive: true, default: "very-secret-token" }
          size: { default: small, validation: { allowed: [small, large] } }
        locals:
          name: &name "rich-{{ var.version }}-{{ timestamp }}"
          lowered: "{{ lower(local.name) }}"
          joined: "{{ join(var.tags, \",\") }}"
          dsn: "db://u:{{ var.token }}@h"
        sources:
          local:
            type: qemu
            cpus: "{{ var.cpus }}"
            memory_mb: 4096
            formats: [qcow2, vmdk]
            ssh_timeout: 10m
            headless: "{{ var.debug }}"
            labels: "{{ var.labels }}"
            base: { image: "{{ image.base.artifact.qcow2 }}" }
          boot:
            type: qemu
            base:
              bootstrap: { suite: bookworm, packages: [nginx] }
          aws: { type: amazon-ebs, region: eu-west-1, ami_name: *name, access_key: "{{ var.token }}" }
        provision:
          - shell: { inline: ["echo {{ build.name }} {{ build.source }}"], env: { T: "{{ var.token }}" } }
          - file: { source: "{{ build.output }}/app/", destination: /opt/app, only: [local] }
          - shell: { script: scripts/x.sh, max_retries: 2, except: [aws], pause_before: 5s, timeout: 1h }
        verify:
          - shell: { inline: ["systemctl is-active nginx"] }
        publish:
          - manifest: { output: "{{ local.lowered }}.json" }
          - [compress: { level: 9 }, checksum: { types: [sha256, sha512] }]
        """;

    private const string Base = "name: base\nsources:\n  local: { type: qemu, base: { image: debian.qcow2 } }\n";

    private static readonly string[] OddValues =
    [
        "", "~", "null", "[", "]", "{", "}", "{{", "}}", "{{ }}", "{{ var. }}", "{{ lower( }}", "{{ \"x }}", "&a", "*a", "*nope",
        "!!binary aGVsbG8=", "!<tag:x> y", "%YAML 1.2", "- -", "? x", ": :", "|", ">-", "'", "\"", "\t", "\u00e9\u00e8\u4e2d", "\ud83d\udd25",
        "9999999999999999999999", "-1", "1e400", "NaN", "0x1F", "true", "yes", "1h1h1h1h1h", "5 minutes",
        new string('x', 100_000), string.Concat(Enumerable.Repeat("{{ var.version }}", 500)), "{{ local.lowered }}", "{{ image.base.artifact.qcow2 }}",
        "{{ file(\"/etc/hostname\") }}", "{{ env.HOME }}", "{{ default(env.NOPE, 1) }}", "{ a: 1, a: 2 }", "[1, [2, [3, [4]]]]",
    ];

    private static readonly string[] Snippets =
    [
        "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
        "x: &x { y: *x }\n", "---\n", "...\n", "<<: { a: 1 }\n", new string('[', 500), "? [complex, key]\n: value\n", "\"unterminated\n",
        "locals:\n  a: \"{{ local.b }}\"\n  b: \"{{ local.a }}\"\n", "depends_on: [rich]\n", "sources: {}\n", "provision: [[]]\n",
    ];

    [Fact]
    public async Task Ten_thousand_mutated_definitions_only_ever_produce_located_definition_errors()
    {
        var seeds = Directory.EnumerateFiles(RepositoryFiles.Templates, "*.kiln.yaml", SearchOption.AllDirectories).Select(File.ReadAllText).Append(Rich).Append(Base).ToList();
        var random = new Random(Seed);
        var watch = Stopwatch.StartNew();
        int loaded = 0, rejected = 0;

        // Generous limit that only stops a hang; the run itself takes seconds.
        await Task.Run(() =>
        {
            for (var i = 0; i < Count; i++)
            {
                var text = Mutate(seeds[random.Next(seeds.Count)], random);
                switch (Exercise(text, i))
                {
                    case true:
                        loaded++;
                        break;
                    default:
                        rejected++;
                        break;
                }
            }
        }, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(10), TestContext.Current.CancellationToken);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Count} mutated definitions (seed {Seed}): {loaded} valid, {rejected} rejected with located errors, in {watch.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(Count, loaded + rejected);
        Assert.True(rejected > Count / 2, "most mutations should break the definition; the mutator is not mutating");
    }

    /// <summary>True when the mutant loaded and validated cleanly, false when it was rejected properly; throws on anything else.</summary>
    private static bool Exercise(string text, int iteration)
    {
        try
        {
            var set = DefinitionLoader.LoadText(
                [("/kiln-mutations/rich.kiln.yaml", text), ("/kiln-mutations/base.kiln.yaml", Base)],
                new VariableInputs { Environment = new Dictionary<string, string> { ["HOME"] = "/root" } },
                TestPlugins.Catalog);
            var problems = set.Validate();
            AssertLocated(problems, text, iteration);
            if (problems.Count > 0)
            {
                return false;
            }

            foreach (var image in set.Images)
            {
                set.Resolve(image.Name, BuildScope.Symbolic);
            }

            _ = set.Inspect().Render();
            return true;
        }
        catch (DefinitionException e)
        {
            AssertLocated(e.Diagnostics, text, iteration);
            return false;
        }
        catch (Exception e)
        {
            Assert.Fail($"iteration {iteration} (seed {Seed}) threw {e.GetType().Name}: {e.Message}\n{e.StackTrace}\n--- input ---\n{Shorten(text)}");
            throw;
        }
    }

    private static void AssertLocated(IReadOnlyList<KilnDiagnostic> diagnostics, string text, int iteration)
    {
        foreach (var diagnostic in diagnostics)
        {
            Assert.True(diagnostic.Location is { Line: > 0, Column: > 0 },
                $"iteration {iteration} (seed {Seed}): '{diagnostic.Message}' has no location\n--- input ---\n{Shorten(text)}");
        }
    }

    private static string Mutate(string text, Random random)
    {
        var lines = text.Split('\n').ToList();
        var edits = random.Next(1, 4);
        for (var e = 0; e < edits && lines.Count > 0; e++)
        {
            var at = random.Next(lines.Count);
            switch (random.Next(11))
            {
                case 0:
                    lines.RemoveAt(at);
                    break;
                case 1:
                    lines.Insert(at, lines[at]);
                    break;
                case 2:
                    var other = random.Next(lines.Count);
                    (lines[at], lines[other]) = (lines[other], lines[at]);
                    break;
                case 3:
                    lines[at] = random.Next(2) == 0 ? new string(' ', random.Next(1, 5)) + lines[at] : lines[at].TrimStart();
                    break;
                case 4:
                    lines[at] = RetypeKey(lines[at], random);
                    break;
                case 5:
                case 6:
                    lines[at] = ReplaceValue(lines[at], OddValues[random.Next(OddValues.Length)]);
                    break;
                case 7:
                    lines.Insert(at, Snippets[random.Next(Snippets.Length)]);
                    break;
                case 8:
                    var line = lines[at];
                    var position = random.Next(line.Length + 1);
                    lines[at] = line.Insert(position, ((char)random.Next(32, 127)).ToString());
                    break;
                case 9:
                    lines[at] = ReplaceValue(lines[at], random.Next(2) == 0 ? "[a, b]" : "{ k: v }");
                    break;
                default:
                    var joined = string.Join('\n', lines);
                    return joined[..random.Next(joined.Length + 1)];
            }
        }

        return string.Join('\n', lines);
    }

    private static string RetypeKey(string line, Random random)
    {
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return line;
        }

        var key = line[..colon];
        var chars = new StringBuilder(key);
        var index = random.Next(chars.Length);
        if (char.IsWhiteSpace(chars[index]) || chars[index] == '-')
        {
            return line;
        }

        chars[index] = (char)random.Next('a', 'z' + 1);
        return chars + line[colon..];
    }

    private static string ReplaceValue(string line, string value)
    {
        var colon = line.IndexOf(": ", StringComparison.Ordinal);
        return colon < 0 ? line + value : line[..(colon + 2)] + value;
    }

    private static string Shorten(string text) => text.Length > 3000 ? text[..3000] + "..." : text;
}
