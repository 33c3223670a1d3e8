namespace Kiln.Packer.Hcl;

/// <summary>A place in an HCL or JSON template, for the import report and parse errors.</summary>
public sealed record TemplatePosition(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>A template that is not valid HCL2 or JSON, at the place the parser stopped.</summary>
internal sealed class TemplateParseException(string message, TemplatePosition position) : Exception($"{position}: {message}")
{
    public TemplatePosition Position { get; } = position;

    public string Reason { get; } = message;
}

/// <summary>An HCL body: attributes and blocks, in file order.</summary>
internal sealed record HclBody(IReadOnlyList<HclAttribute> Attributes, IReadOnlyList<HclBlock> Blocks);

internal sealed record HclAttribute(string Name, HclExpression Value, TemplatePosition Position);

internal sealed record HclBlock(string Type, IReadOnlyList<string> Labels, HclBody Body, TemplatePosition Position);

internal abstract record HclExpression(TemplatePosition Position);

internal sealed record HclLiteral(object? Value, TemplatePosition Position) : HclExpression(Position);

/// <summary>A string with <c>${ }</c> interpolations: each part is a string or an expression.</summary>
internal sealed record HclTemplate(IReadOnlyList<object> Parts, TemplatePosition Position) : HclExpression(Position);

internal sealed record HclTuple(IReadOnlyList<HclExpression> Items, TemplatePosition Position) : HclExpression(Position);

internal sealed record HclObject(IReadOnlyList<(HclExpression Key, HclExpression Value)> Items, TemplatePosition Position) : HclExpression(Position);

/// <summary><c>var.name</c>, <c>local.list[0]</c>: a root name, then attribute names (string) and index expressions.</summary>
internal sealed record HclTraversal(string Root, IReadOnlyList<object> Steps, TemplatePosition Position) : HclExpression(Position);

internal sealed record HclCall(string Function, IReadOnlyList<HclExpression> Arguments, TemplatePosition Position) : HclExpression(Position);

internal sealed record HclUnary(string Operator, HclExpression Operand, TemplatePosition Position) : HclExpression(Position);

internal sealed record HclBinary(string Operator, HclExpression Left, HclExpression Right, TemplatePosition Position) : HclExpression(Position);

internal sealed record HclConditional(HclExpression Condition, HclExpression Then, HclExpression Else, TemplatePosition Position) : HclExpression(Position);

/// <summary><c>[for k, v in coll : value if cond]</c> or the object form <c>{for ... : key => value}</c>.</summary>
internal sealed record HclFor(string? KeyName, string ValueName, HclExpression Collection, HclExpression? KeyResult, HclExpression Result, HclExpression? Condition, TemplatePosition Position)
    : HclExpression(Position);

/// <summary>Syntax the parser reads but the importer does not evaluate (template directives, splats).</summary>
internal sealed record HclUnsupported(string What, TemplatePosition Position) : HclExpression(Position);
