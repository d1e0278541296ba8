import {
  DataTypeNode,
  type ColumnDefinitionNode,
  OperationNodeTransformer,
  sql,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';

/**
 * The migrations are written once, in the types SQLite reads. PostgreSQL takes
 * them through this plugin: an auto-increment key is a bigserial, every integer
 * a bigint (sizes pass 2^31), and text compares byte by byte ("C"), as SQLite's
 * does, so a listing sorted by name pages the same on both whatever the
 * database's locale.
 */
export class PostgresSchemaPlugin implements KyselyPlugin {
  readonly #transformer = new SqliteTypesToPostgres();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

const TEXT_IN_BYTE_ORDER = sql`text collate "C"`.toOperationNode();

class SqliteTypesToPostgres extends OperationNodeTransformer {
  protected override transformColumnDefinition(node: ColumnDefinitionNode): ColumnDefinitionNode {
    const column = super.transformColumnDefinition(node);
    if (!DataTypeNode.is(column.dataType)) return column;
    switch (column.dataType.dataType) {
      case 'integer':
        return column.autoIncrement
          ? { ...column, autoIncrement: false, dataType: DataTypeNode.create('bigserial') }
          : { ...column, dataType: DataTypeNode.create('bigint') };
      case 'text':
        return { ...column, dataType: TEXT_IN_BYTE_ORDER };
      default:
        return column;
    }
  }
}
