using Kiln.Definitions;

namespace Kiln.Tests.Definitions;

public sealed class VariableTests : IDisposable
{
    private readonly DefinitionFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private const string Sources = "sources:\n  local: { type: qemu, base: { image: x } }\n";

    private string Value(VariableInputs inputs, string variable = "region") =>
        _fixture.Load(inputs).Resolve("web", BuildScope.Symbolic).Variables[variable];

    [Fact]
    public void Each_layer_overrides_the_one_before_it()
    {
        _fixture.Write("web.kiln.yaml", "name: web\nvariables:\n  region: { default: from-default }\n" + Sources);
        var env = new Dictionary<string, string>();
        var inputs = new VariableInputs { Environment = env };

        Assert.Equal("from-default", Value(inputs));

        _fixture.Write("a.auto.vars.yaml", "region: from-auto-a\n");
        _fixture.Write("b.auto.vars.yaml", "region: from-auto-b\n");
        Assert.Equal("from-auto-b", Value(inputs));

        var first = _fixture.Write("vars/first.yaml", "region: from-file-1\n");
        var second = _fixture.Write("vars/second.yaml", "region: from-file-2\n");
        inputs = inputs with { VarFiles = [first, second] };
        Assert.Equal("from-file-2", Value(inputs));

        env["KILN_VAR_region"] = "from-env";
        Assert.Equal("from-env", Value(inputs));

        inputs = inputs with { Vars = ["region=from-cli-1", "region=from-cli-2"] };
        Assert.Equal("from-cli-2", Value(inputs));
    }

    [Fact]
    public void Values_are_converted_to_the_declared_types()
    {
        _fixture.Write("web.kiln.yaml", """
            name: web
            variables:
              cpus: { type: number, default: 2 }
              debug: { type: bool, default: false }
              tags: { type: list }
              labels: { type: map }
            sources:
              local: { type: qemu, base: { image: x }, cpus: "{{ var.cpus }}", headless: "{{ var.debug }}", labels: "{{ var.labels }}" }
            """);
        var inputs = new VariableInputs
        {
            Environment = new Dictionary<string, string> { ["KILN_VAR_tags"] = "[a, b]", ["KILN_VAR_debug"] = "true" },
            Vars = ["cpus=4", "labels={team: infra, tier: web}"],
        };

        var image = _fixture.Load(inputs).Resolve("web", BuildScope.Symbolic);

        var config = Assert.IsType<TestQemuConfig>(Assert.Single(image.Sources).Config);
        Assert.Equal(4, config.Cpus);
        Assert.True(config.Headless);
        Assert.Equal("infra", config.Labels["team"]);
        Assert.Equal("[a, b]", image.Variables["tags"]);
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_reported_where_it_was_written()
    {
        _fixture.Write("web.kiln.yaml", "name: web\nvariables:\n  cpus: { type: number, default: many }\n" + Sources);
        var varFile = _fixture.Write("my.vars.yaml", "cpus: [1]\n");

        var problems = _fixture.Problems(new VariableInputs { VarFiles = [varFile], Environment = new Dictionary<string, string>(), Vars = ["cpus=lots"] });

        DiagnosticAssert.Single(problems, "this value is 'many'", 3, 34);
        DiagnosticAssert.Single(problems, "this value is a list", 1, 7);
        Assert.Equal("--var[1]:1:6", DiagnosticAssert.Single(problems, "this value is 'lots'", 1, 6).Location!.ToString());
    }

    [Fact]
    public void Validation_rules_use_the_users_message()
    {
        _fixture.Write("web.kiln.yaml", """
            name: web
            variables:
              cpus: { type: number, default: 2, validation: { min: 1, max: 16 } }
              region: { default: us-east-1, validation: { pattern: "[a-z]{2}-[a-z]+-[0-9]", error_message: "region must look like us-east-1" } }
              size: { default: small, validation: { allowed: [small, large] } }
            sources:
              local: { type: qemu, base: { image: x } }
            """);

        var problems = _fixture.Problems(new VariableInputs { Environment = new Dictionary<string, string>(), Vars = ["cpus=32", "region=mars", "size=huge"] });

        Assert.Contains("must be at most 16 (it is '32')", DiagnosticAssert.Single(problems, "variable 'cpus'", 1, 6).Message, StringComparison.Ordinal);
        DiagnosticAssert.Single(problems, "region must look like us-east-1", 1, 8);
        DiagnosticAssert.Single(problems, "must be one of small, large", 1, 6);
    }

    [Fact]
    public void A_variable_without_value_is_reported_at_its_declaration()
    {
        _fixture.Write("web.kiln.yaml", "name: web\nvariables:\n  token: { sensitive: true }\n" + Sources);

        var diagnostic = DiagnosticAssert.Single(_fixture.Problems(), "variable 'token' has no value", 3, 3);
        Assert.Contains("KILN_VAR_token", diagnostic.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_variables_in_var_files_and_on_the_command_line_are_errors()
    {
        _fixture.Write("web.kiln.yaml", "name: web\nvariables:\n  region: { default: x }\n" + Sources);
        _fixture.Write("web.auto.vars.yaml", "# comment\nregoin: eu-west-1\n");

        var problems = _fixture.Problems(new VariableInputs { Environment = new Dictionary<string, string>(), Vars = ["regio=a", "novalue"] });

        Assert.Equal("Did you mean 'region'?", DiagnosticAssert.Single(problems, "unknown variable 'regoin'", 2, 1).Hint);
        Assert.Equal("Did you mean 'region'?", DiagnosticAssert.Single(problems, "unknown variable 'regio'", 1, 1).Hint);
        Assert.Equal("--var[2]", DiagnosticAssert.Single(problems, "is not name=value", 1, 1).Location!.File);
    }

    [Fact]
    public void Variable_declarations_are_checked()
    {
        _fixture.Write("web.kiln.yaml", "name: web\nvariables:\n  a: { type: strin }\n  b: { sensitve: true }\n  c-d: {}\n" + Sources);

        var problems = _fixture.Problems();

        Assert.Equal("Did you mean 'string'?", DiagnosticAssert.Single(problems, "unknown variable type 'strin'", 3, 14).Hint);
        Assert.Equal("Did you mean 'sensitive'?", DiagnosticAssert.Single(problems, "unknown variable key 'sensitve'", 4, 8).Hint);
        DiagnosticAssert.Single(problems, "'c-d' is not a valid variable name", 5, 3);
    }

    [Fact]
    public void Environment_variables_for_undeclared_names_are_ignored()
    {
        _fixture.Write("web.kiln.yaml", "name: web\n" + Sources);

        var problems = _fixture.Problems(new VariableInputs { Environment = new Dictionary<string, string> { ["KILN_VAR_other"] = "x" } });

        Assert.Empty(problems);
    }
}
