using Kiln.Packer.Hcl;

namespace Kiln.Tests.Packer;

/// <summary>The hand-written HCL2 reader and evaluator on the syntax Packer templates use.</summary>
public sealed class HclParserTests
{
    private static object? Evaluate(string attributes, string name, Dictionary<string, object?>? variables = null)
    {
        var body = HclParser.Parse("t.pkr.hcl", attributes);
        var locals = body.Blocks.Where(b => b.Type == "locals").SelectMany(b => b.Body.Attributes).ToDictionary(a => a.Name, a => a.Value);
        var evaluator = new HclEvaluator(variables ?? [], locals, "/packer");
        return evaluator.Evaluate(body.Attributes.Single(a => a.Name == name).Value);
    }

    [Fact]
    public void Blocks_labels_attributes_and_comments_are_read_with_their_places()
    {
        var body = HclParser.Parse("t.pkr.hcl", """
            # a comment
            source "qemu" "vm" { // another
              cpus = 2 /* inline */
              nested {
                a = "b"
              }
            }
            """);

        var source = Assert.Single(body.Blocks);
        Assert.Equal("source", source.Type);
        Assert.Equal(["qemu", "vm"], source.Labels);
        Assert.Equal((2, 1), (source.Position.Line, source.Position.Column));
        Assert.Equal(3, Assert.Single(source.Body.Attributes).Position.Line);
        Assert.Equal("nested", Assert.Single(source.Body.Blocks).Type);
    }

    [Fact]
    public void Interpolation_conditionals_for_expressions_and_functions_evaluate()
    {
        const string Text = """
            locals {
              names = ["source.qemu.vm", "source.vmware-iso.vm"]
              short = [for s in local.names : trimprefix(s, "source.") if s != "source.vmware-iso.vm"]
            }
            path   = "${path.root}/scripts/${var.os}.sh"
            picked = var.os == "debian" ? (
              ["a", "b"]
              ) : []
            short  = local.short
            joined = join(",", concat(["x"], ["y"]))
            upper  = upper(format("%s-%d", "a", 1))
            math   = 2 * 3 + 1 >= 7 && !false
            map    = { for k, v in { a = 1 } : k => v + 1 }
            text   = <<-EOF
              line ${var.os}
                indented
              EOF
            escaped = "$${not} %%{this} \"q\""
            """;
        var variables = new Dictionary<string, object?> { ["os"] = "debian" };

        Assert.Equal("/packer/scripts/debian.sh", Evaluate(Text, "path", variables));
        Assert.Equal(new List<object?> { "a", "b" }, Evaluate(Text, "picked", variables));
        Assert.Equal(new List<object?> { "qemu.vm" }, Evaluate(Text, "short", variables));
        Assert.Equal("x,y", Evaluate(Text, "joined", variables));
        Assert.Equal("A-1", Evaluate(Text, "upper", variables));
        Assert.Equal(true, Evaluate(Text, "math", variables));
        Assert.Equal(2.0, Assert.IsType<Dictionary<string, object?>>(Evaluate(Text, "map", variables))["a"]);
        Assert.Equal("line debian\n  indented\n", Evaluate(Text, "text", variables));
        Assert.Equal("${not} %{this} \"q\"", Evaluate(Text, "escaped", variables));
    }

    [Fact]
    public void What_cannot_be_evaluated_is_an_error_at_its_place_not_a_silent_value()
    {
        var error = Assert.Throws<HclEvaluationException>(() => Evaluate("a = 1\nb = [\n  data.amazon-ami.x.id,\n]\n", "b"));

        Assert.Equal((3, 3), (error.Position.Line, error.Position.Column));
        Assert.Contains("data.amazon-ami.x.id", error.Message, StringComparison.Ordinal);
        Assert.Throws<HclEvaluationException>(() => Evaluate("x = abspath(\"a\")", "x"));
        Assert.Throws<HclEvaluationException>(() => Evaluate("x = \"%{ if true }a%{ endif }\"", "x"));
    }
}
