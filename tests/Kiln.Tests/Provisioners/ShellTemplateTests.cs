using Kiln.Communicators;
using Kiln.Provisioners;

namespace Kiln.Tests.Provisioners;

public sealed class ShellTemplateTests
{
    private static readonly Dictionary<string, string> Environment = new() { ["B"] = "it's", ["A"] = "x y" };

    [Theory]
    [InlineData("chmod +x {path}; {vars} {path}", "chmod +x '/tmp/my script'; A='x y' B='it'\"'\"'s' '/tmp/my script'")]
    [InlineData("sudo {{ .Vars }} sh {{.Path}}", "sudo A='x y' B='it'\"'\"'s' sh '/tmp/my script'")]
    [InlineData("sh {path}", "sh '/tmp/my script'")]
    public void Expands_path_and_vars_shell_quoted(string template, string expected) =>
        Assert.Equal(expected, ShellTemplate.Expand(template, "/tmp/my script", Environment));

    [Fact]
    public void The_display_form_names_the_variables_but_not_their_values()
    {
        var display = ShellTemplate.Display("{vars} {path}", "/tmp/s", Environment);

        Assert.Equal("A=*** B=*** '/tmp/s'", display);
    }

    [Fact]
    public void The_display_form_shows_the_builds_own_values_which_are_not_secrets()
    {
        var environment = new Dictionary<string, string> { ["KILN_IMAGE"] = "app", ["KILN_RUN_ID"] = "run-1", ["TOKEN"] = "s3cret", ["KILN_SOURCE"] = "overridden" };

        var display = ShellTemplate.Display("{vars} {path}", "/tmp/s", environment, BuildEnvironment.NotSecret(new Dictionary<string, string> { ["TOKEN"] = "s3cret", ["KILN_SOURCE"] = "overridden" }));

        Assert.Equal("KILN_IMAGE='app' KILN_RUN_ID='run-1' KILN_SOURCE=*** TOKEN=*** '/tmp/s'", display);
    }

    [Fact]
    public void Exports_are_sorted_quoted_and_refuse_bad_names()
    {
        Assert.Equal("export A='x y'; export B='it'\"'\"'s'; ", ShellQuote.Exports(Environment));
        Assert.Throws<Kiln.Diagnostics.KilnException>(() => ShellQuote.Exports(new Dictionary<string, string> { ["1A"] = "x" }));
    }
}
