import { Field, Int, ObjectType } from "type-graphql";

@ObjectType("LogisticsModelStatus", {
  description: "What one served model of the logistics subgraph has done.",
})
export class ModelStatusType {
  @Field(() => String, { description: "Model name in models/manifest.json." })
  name!: string;

  @Field(() => String, { description: "Model version." })
  version!: string;

  @Field(() => Int, { description: "session.run calls since start (warm-up excluded)." })
  runs!: number;

  @Field(() => Int, { description: "Rows sent to the model since start." })
  rows!: number;

  @Field(() => Int, { description: "Rows refused before running (BAD_USER_INPUT)." })
  rejectedRows!: number;
}
