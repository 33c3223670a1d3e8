using Kiln.Definitions;
using Kiln.Secrets;

namespace Kiln.Tests.Definitions;

public sealed class SensitiveValueTests : IDisposable
{
    private const string Password = "hunter2-correct-horse";

    private readonly DefinitionFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private DefinitionSet Load(params string[] vars) =>
        _fixture.Load(new VariableInputs { Environment = new Dictionary<string, string>(), Vars = vars });

    private const string Definition = """
        name: web
        variables:
          db_password: { sensitive: true }
          user: { default: admin }
        locals:
          dsn: "postgres://{{ var.user }}:{{ var.db_password }}@db/app"
        sources:
          local: { type: qemu, base: { image: x }, disk_size: "{{ local.dsn }}" }
        provision:
          - shell: { inline: ["echo ok"], env: { DB_PASSWORD: "{{ var.db_password }}" } }
        """;

    [Fact]
    public void Sensitive_values_are_redacted_from_the_moment_they_are_read()
    {
        _fixture.Write("web.kiln.yaml", Definition);

        var set = Load($"db_password={Password}");

        Assert.Equal("pw=<sensitive>", set.Redactor.Redact($"pw={Password}"));
    }

    [Fact]
    public void Strings_built_from_a_sensitive_value_become_sensitive_too()
    {
        _fixture.Write("web.kiln.yaml", Definition);
        var set = Load($"db_password={Password}");

        var image = set.Resolve("web", BuildScope.Symbolic);

        var dsn = ((TestQemuConfig)image.Sources[0].Config).DiskSize!;
        Assert.Equal($"postgres://admin:{Password}@db/app", dsn);
        Assert.Equal("<sensitive>", set.Redactor.Redact(dsn));
        Assert.Contains("db_password", image.SensitiveVariables);
    }

    [Fact]
    public void The_plan_masks_sensitive_values()
    {
        _fixture.Write("web.kiln.yaml", Definition);
        var set = Load($"db_password={Password}");

        var text = set.Inspect().Render();

        Assert.DoesNotContain(Password, text, StringComparison.Ordinal);
        Assert.DoesNotContain("admin:", text, StringComparison.Ordinal);
        Assert.Contains("db_password = <sensitive>", text, StringComparison.Ordinal);
        Assert.Contains("user = admin", text, StringComparison.Ordinal);
        Assert.Contains("disk_size: <sensitive>", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_messages_never_show_a_sensitive_value()
    {
        _fixture.Write("web.kiln.yaml", """
            name: web
            variables:
              token: { sensitive: true, validation: { pattern: "[0-9]+" } }
              port: { type: number, sensitive: true }
            sources:
              local: { type: qemu, base: { image: x }, cpus: "{{ var.token }}" }
            """);

        var problems = _fixture.Problems(new VariableInputs { Environment = new Dictionary<string, string>(), Vars = [$"token={Password}", $"port={Password}"] });

        Assert.Equal(2, problems.Count);
        Assert.All(problems, p => Assert.DoesNotContain("hunter2", p.ToString(), StringComparison.Ordinal));

        _fixture.Write("web.kiln.yaml", "name: web\nvariables:\n  token: { sensitive: true }\nsources:\n  local: { type: qemu, base: { image: x }, cpus: \"{{ var.token }}\" }\n");
        var binding = Assert.Single(_fixture.Problems(new VariableInputs { Environment = new Dictionary<string, string>(), Vars = [$"token={Password}"] }));
        Assert.Contains("but it is a sensitive value", binding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_secret_is_not_masked_but_warned_about()
    {
        _fixture.Write("web.kiln.yaml", Definition);

        var set = Load("db_password=ab");

        Assert.Equal("x ab y", set.Redactor.Redact("x ab y"));
        Assert.Contains(set.Warnings, w => w.Contains($"shorter than {Redactor.MinimumLength}", StringComparison.Ordinal));
    }

    [Fact]
    public void The_sensitive_function_marks_values_from_files_and_the_environment()
    {
        _fixture.Write("deploy.key", "-----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQABAAABAQ\n-----END KEY-----\n");
        _fixture.Write("web.kiln.yaml", "name: web\nsources:\n  local: { type: qemu, base: { image: x }, disk_size: '{{ sensitive(file(\"deploy.key\")) }}', labels: { t: '{{ sensitive(env.API_TOKEN) }}' } }\n");
        var set = _fixture.Load(new VariableInputs { Environment = new Dictionary<string, string> { ["API_TOKEN"] = "tok-123456789" } });

        set.Resolve("web", BuildScope.Symbolic);

        Assert.Equal("a <sensitive> b", set.Redactor.Redact("a AAAAB3NzaC1yc2EAAAADAQABAAABAQ b"));
        Assert.Equal("Bearer <sensitive>", set.Redactor.Redact("Bearer tok-123456789"));
    }
}
