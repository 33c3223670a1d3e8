using Kiln.Targets.Tests.Support;

namespace Kiln.Targets.Tests.Parameters;

public enum Flavour
{
    Plain,
    ExtraCrispy,
}

public interface IImageOptions : IKilnBuild
{
    [Parameter("Image to build.")]
    string? Image => this.Parameter<string>();

    [Parameter("Extra variables.")]
    IReadOnlyDictionary<string, string>? Var => this.Parameter<IReadOnlyDictionary<string, string>>();
}

public sealed class ParameterTests
{
    private sealed class Parameterised : KilnBuild, IImageOptions
    {
        [Parameter("A name.")]
        public string Name { get; set; } = "default";

        [Parameter]
        public int Count { get; set; } = 1;

        [Parameter]
        public bool Force { get; set; }

        [Parameter]
        public Flavour Flavour { get; set; }

        [Parameter]
        public string[] Tags { get; set; } = [];

        [Parameter]
        public TimeSpan? Timeout { get; set; }

        // Assigned by the host through reflection, as Nuke does with readonly [Parameter] fields.
#pragma warning disable CS0649
        [Parameter]
        private readonly long _total;
#pragma warning restore CS0649

        [Parameter, Secret]
        public string? Token { get; set; }

        public long Total => _total;

        public string? SeenImage { get; private set; }

        public IReadOnlyDictionary<string, string>? SeenVariables { get; private set; }

        private Target Show => _ => _.Executes(() =>
        {
            SeenImage = ((IImageOptions)this).Image;
            SeenVariables = ((IImageOptions)this).Var;
            Session.Info($"token is {Token}");
        });
    }

    private static Task<HostRun> Run(Parameterised build, string[] args, Dictionary<string, string>? variables = null) =>
        HostRun.RunAsync(build, ["Show", .. args], HostKind.Plain, variables);

    [Fact]
    public async Task Command_line_values_bind_to_their_types()
    {
        var build = new Parameterised();
        var run = await Run(build, ["--name", "web", "--count", "3", "--force", "--flavour", "extra-crispy", "--tags", "a", "b", "--tags", "c", "--timeout", "1h30m", "--total=7"]);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("web", build.Name);
        Assert.Equal(3, build.Count);
        Assert.True(build.Force);
        Assert.Equal(Flavour.ExtraCrispy, build.Flavour);
        Assert.Equal(["a", "b", "c"], build.Tags);
        Assert.Equal(TimeSpan.FromMinutes(90), build.Timeout);
        Assert.Equal(7, build.Total);
    }

    [Fact]
    public async Task Unset_parameters_keep_their_initial_values()
    {
        var build = new Parameterised();
        await Run(build, []);
        Assert.Equal("default", build.Name);
        Assert.Equal(1, build.Count);
        Assert.False(build.Force);
        Assert.Null(build.Timeout);
    }

    [Fact]
    public async Task A_bool_flag_takes_an_explicit_false_and_does_not_swallow_a_target_name()
    {
        var build = new Parameterised { Force = true };
        await HostRun.RunAsync(build, "--force", "false", "Show");
        Assert.False(build.Force);

        var other = new Parameterised();
        var run = await HostRun.RunAsync(other, "--force", "Show");
        Assert.Equal(0, run.ExitCode);
        Assert.True(other.Force);
        Assert.Equal(TargetStatus.Succeeded, run.Status("Show"));
    }

    [Fact]
    public async Task Component_parameters_are_read_through_the_session_including_repeated_key_value_pairs()
    {
        var build = new Parameterised();
        await Run(build, ["--image", "web", "--var", "a=1", "--var", "b=x=y"]);
        Assert.Equal("web", build.SeenImage);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "x=y" }, build.SeenVariables);
    }

    [Fact]
    public async Task Environment_variables_bind_with_or_without_the_KILN_prefix_and_the_command_line_wins()
    {
        var build = new Parameterised();
        await Run(build, ["--count", "5"], new Dictionary<string, string>
        {
            ["KILN_NAME"] = "prefixed",
            ["NAME"] = "plain",
            ["COUNT"] = "9",
            ["Tags"] = "x y  z",
            ["kiln_image"] = "from-env",
        });
        Assert.Equal("prefixed", build.Name);
        Assert.Equal(5, build.Count);
        Assert.Equal(["x", "y", "z"], build.Tags);
        Assert.Equal("from-env", build.SeenImage);
    }

    [Theory]
    [InlineData("--count", "many", "--count: 'many' is not valid.")]
    [InlineData("--flavour", "soggy", "Expected plain, extra-crispy.")]
    [InlineData("--timeout", "soon", "a duration")]
    [InlineData("--name", "", "takes one value")]
    public async Task Invalid_values_are_usage_errors_that_say_what_was_expected(string option, string value, string expected)
    {
        string[] args = value.Length == 0 ? [option, "a", "b"] : [option, value];
        var run = await Run(new Parameterised(), args);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_option_is_a_usage_error_with_a_suggestion()
    {
        var run = await Run(new Parameterised(), ["--flavor", "plain"]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Unknown option '--flavor'", run.Output, StringComparison.Ordinal);
        Assert.Contains("Did you mean '--flavour'?", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secret_values_never_reach_the_output()
    {
        var build = new Parameterised();
        var run = await Run(build, ["--token", "hunter2-secret"]);
        Assert.Equal("hunter2-secret", build.Token);
        Assert.Contains("token is ***", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", run.Output, StringComparison.Ordinal);
        Assert.Contains("hunter2-secret", build.Session.Secrets.Values);
    }

    private sealed class SecretNumber : KilnBuild
    {
        [Parameter, Secret]
        public int Pin { get; set; }

        private Target Noop => _ => _.Executes(() => { });
    }

    [Fact]
    public async Task An_invalid_secret_value_is_not_echoed()
    {
        var run = await HostRun.RunAsync(new SecretNumber(), "Noop", "--pin", "open-sesame");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--pin has an invalid value.", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("open-sesame", run.Output, StringComparison.Ordinal);
    }
}
